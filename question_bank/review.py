"""Review of items: submitting, the four-eyes decision (approve or reject) and retiring, with the trail each leaves."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import Actor, Role
from core.errors import PermissionDenied, RuleViolation
from question_bank import policies
from question_bank.models import Item, ItemReview, ItemVersion
from question_bank.services import get_item, get_item_for


def _record_review(session: Session, item: Item, actor: Actor, action: str, comment: str) -> None:
    assert item.current_version_id is not None
    session.add(ItemReview(item_id=item.id, item_version_id=item.current_version_id, actor_id=actor.id,
                           action=action, comment=comment))
    audit.record(session, actor=actor, action=f"item.{action}", entity_type="item", entity_id=item.id,
                 version=item.current_version.number if item.current_version else None, comment=comment)
    session.flush()


def _item_to_move(session: Session, item_id: int) -> Item:
    """The item, its row locked to the commit: its status decides each step, so two steps never pass together."""
    return get_item(session, item_id, for_update=True)


def submit_item(session: Session, *, actor: Actor, item_id: int, comment: str = "") -> Item:
    """Send a draft to review. Raises NotFound, PermissionDenied, or Conflict if not a draft."""
    item = _item_to_move(session, item_id)
    if not policies.can_submit_item(actor, item):
        raise PermissionDenied("only the item's author can submit it for review")
    item.submit_for_review()
    _record_review(session, item, actor, "submitted", comment)
    return item


def _versions_under_review(session: Session, item: Item) -> dict[int, int]:
    """Version number -> who created it, for every version since the item was last approved (all of
    them if it never was): the work a review decision now covers."""
    last_approved = session.scalar(
        select(func.max(ItemVersion.number)).join(ItemReview, ItemReview.item_version_id == ItemVersion.id)
        .where(ItemReview.item_id == item.id, ItemReview.action == "approved"))
    query = select(ItemVersion.number, ItemVersion.created_by).where(ItemVersion.item_id == item.id)
    if last_approved is not None:
        query = query.where(ItemVersion.number > last_approved)
    return {number: created_by for number, created_by in session.execute(query)}


def _require_reviewer_of(session: Session, actor: Actor, item: Item, decision: str) -> None:
    """Raises PermissionDenied unless the actor may decide on the item (four eyes, admins included)."""
    under_review = _versions_under_review(session, item)
    if policies.can_review_item(actor, item, authors_under_review=set(under_review.values())):
        return
    if not actor.has(Role.REVIEWER):
        raise PermissionDenied(f"only reviewers can {decision} items")
    if item.author_id == actor.id:
        raise PermissionDenied(f"reviewers cannot {decision} their own items")
    written = sorted(number for number, created_by in under_review.items() if created_by == actor.id)
    raise PermissionDenied(
        f"you wrote {'version' if len(written) == 1 else 'versions'} {', '.join(map(str, written))} of this item, "
        f"which {'is' if len(written) == 1 else 'are'} under review: another reviewer must {decision} it",
        versions=written)


def approve_item(session: Session, *, actor: Actor, item_id: int, comment: str = "") -> Item:
    """Approve an item in review. Raises PermissionDenied for self-approval (the item or a version under
    review is the actor's work), Conflict if not in review."""
    item = _item_to_move(session, item_id)
    _require_reviewer_of(session, actor, item, "approve")
    item.approve()
    _record_review(session, item, actor, "approved", comment)
    return item


def reject_item(session: Session, *, actor: Actor, item_id: int, comment: str) -> Item:
    """Return an item in review to its author with a reason. Raises PermissionDenied, Conflict, RuleViolation."""
    item = _item_to_move(session, item_id)
    _require_reviewer_of(session, actor, item, "reject")
    if not comment.strip():
        raise RuleViolation("a rejection needs a comment for the author", field="comment")
    item.return_to_draft()
    _record_review(session, item, actor, "rejected", comment)
    return item


def retire_item(session: Session, *, actor: Actor, item_id: int, comment: str = "") -> Item:
    """Retire an item: no test, adaptive pool or form made from now on takes it (tests already published keep the
    version they pinned until they are archived). Raises PermissionDenied or Conflict."""
    item = _item_to_move(session, item_id)
    if not policies.can_retire_item(actor, item):
        raise PermissionDenied("only the author, a reviewer or a test administrator can retire an item")
    item.retire()
    _record_review(session, item, actor, "retired", comment)
    return item


def list_reviews(session: Session, *, actor: Actor, item_id: int) -> list[ItemReview]:
    """The review trail of an item, oldest first."""
    item = get_item_for(session, actor=actor, item_id=item_id)
    return list(session.scalars(select(ItemReview).where(ItemReview.item_id == item.id).order_by(ItemReview.id)))
