"""Who may do what with items. Pure functions of the actor and the item."""

from __future__ import annotations

from collections.abc import Collection

from core.accounts import Actor, Role
from question_bank.models import Item


def can_author_items(actor: Actor) -> bool:
    return actor.has(Role.AUTHOR)


def can_add_media(actor: Actor) -> bool:
    """Authors add item media; candidates record spoken answers."""
    return actor.has(Role.AUTHOR, Role.CANDIDATE)


def can_fetch_media(actor: Actor, *, created_by: int | None, in_the_bank: bool, play_limited: bool = False) -> bool:
    """Item media serve every signed-in user (candidates hear and see them during tests); a candidate's
    recorded answer serves its maker, the raters and test administrators only. A recording with a play
    limit (``play_limited``) is exam content: only those who hear it at will fetch it by its hash,
    candidates play it through their attempt (assessment.plays)."""
    if created_by == actor.id:
        return True
    if play_limited and not can_hear_recordings_at_will(actor):
        return False
    return in_the_bank or actor.has(Role.RATER, Role.SENIOR_RATER, Role.TEST_ADMIN)


def can_hear_recordings_at_will(actor: Actor) -> bool:
    """Examiners, raters and test administrators hear a recording with a play limit as often as they like."""
    return actor.has(Role.AUTHOR, Role.REVIEWER, Role.RATER, Role.SENIOR_RATER, Role.TEST_ADMIN)


def can_read_bank(actor: Actor) -> bool:
    return actor.has(Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN)


def can_submit_item(actor: Actor, item: Item) -> bool:
    return actor.has(Role.ADMIN) or (actor.has(Role.AUTHOR) and item.author_id == actor.id)


def can_review_item(actor: Actor, item: Item, *, authors_under_review: Collection[int]) -> bool:
    """Reviewers decide on others' work only: not on their own items, nor on items with a version under
    review that they wrote (an edit to someone else's draft is their work too); admins included.

    ``authors_under_review``: who created the versions since the item was last approved.
    """
    return actor.has(Role.REVIEWER) and item.author_id != actor.id and actor.id not in authors_under_review


def can_retire_item(actor: Actor, item: Item) -> bool:
    return actor.has(Role.REVIEWER, Role.TEST_ADMIN) or can_submit_item(actor, item)


def can_edit_item(actor: Actor, item: Item) -> bool:
    """Any author may edit a draft (items are team work); review keeps the four-eyes rule."""
    return actor.has(Role.AUTHOR)
