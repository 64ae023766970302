"""Who may define tests, take them, and see attempts and results."""

from __future__ import annotations

from core.accounts import Actor, Role
from assessment.models import Attempt


def can_manage_tests(actor: Actor) -> bool:
    return actor.has(Role.TEST_ADMIN)


def can_enter_ratings(actor: Actor) -> bool:
    """Setting a section score over the raters' marking is an administrator's override."""
    return actor.has(Role.TEST_ADMIN)


def can_score_attempt(actor: Actor, attempt: Attempt) -> bool:
    """Nobody marks their own exam: a test administrator who sat it sets none of its scores, as raters never
    get their own answers."""
    return can_enter_ratings(actor) and attempt.candidate_id != actor.id


def can_take_tests(actor: Actor) -> bool:
    return Role.CANDIDATE in actor.roles


def can_view_attempt(actor: Actor, attempt: Attempt) -> bool:
    """Candidates see their own attempts only; test administrators see all."""
    return attempt.candidate_id == actor.id or actor.has(Role.TEST_ADMIN)


def can_answer_attempt(actor: Actor, attempt: Attempt) -> bool:
    return attempt.candidate_id == actor.id
