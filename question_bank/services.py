"""Item bank services: create items, move them through review, find them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from question_bank import item_types, policies
from question_bank.models import Item, ItemReview, ItemStatus, ItemVersion, Skill

LEVELS = range(1, 7)


@dataclass(frozen=True, slots=True)
class ItemDraft:
    type: str
    skill: str
    level: int
    content: dict[str, Any]
    scoring: dict[str, Any]
    language: str = "en"


@dataclass(frozen=True, slots=True)
class ItemFilter:
    status: str | None = None
    skill: str | None = None
    level: int | None = None
    type: str | None = None
    ids: Sequence[int] = field(default_factory=tuple)


def create_item(session: Session, *, author: Actor, draft: ItemDraft) -> Item:
    """Create a draft item with its first version. Raises PermissionDenied or RuleViolation."""
    if not policies.can_author_items(author):
        raise PermissionDenied("only authors can create items")
    _check_metadata(draft)
    item_types.get(draft.type).validate(draft.content, draft.scoring)
    item = Item(type=draft.type, skill=draft.skill, level=draft.level, language=draft.language,
                author_id=author.id, status=ItemStatus.DRAFT)
    session.add(item)
    session.flush()
    version = ItemVersion(item_id=item.id, number=1, content=draft.content, scoring=draft.scoring,
                          created_by=author.id)
    session.add(version)
    session.flush()
    item.current_version = version
    session.flush()
    return item


def _check_metadata(draft: ItemDraft) -> None:
    if draft.skill not in set(Skill):
        raise RuleViolation(f"unknown skill {draft.skill!r}", field="skill")
    if draft.level not in LEVELS:
        raise RuleViolation("level must be between 1 and 6", field="level")


def get_item(session: Session, item_id: int) -> Item:
    """Raises NotFound when there is no such item."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist", field="item_id")
    return item


def get_item_for(session: Session, *, actor: Actor, item_id: int) -> Item:
    """An item for someone allowed to read the bank. Raises PermissionDenied or NotFound."""
    if not policies.can_read_bank(actor):
        raise PermissionDenied("the item bank is for examiners and test administrators")
    return get_item(session, item_id)


def list_items(session: Session, *, actor: Actor, filters: ItemFilter, page: int, per_page: int
               ) -> tuple[list[Item], int]:
    """A page of items and the total count. Raises PermissionDenied for non-examiners."""
    if not policies.can_read_bank(actor):
        raise PermissionDenied("the item bank is for examiners and test administrators")
    query = select(Item)
    for column, value in (("status", filters.status), ("skill", filters.skill), ("level", filters.level),
                          ("type", filters.type)):
        if value is not None:
            query = query.where(getattr(Item, column) == value)
    if filters.ids:
        query = query.where(Item.id.in_(filters.ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Item.id).limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def _record(session: Session, item: Item, actor: Actor, action: str, comment: str) -> None:
    assert item.current_version_id is not None
    session.add(ItemReview(item_id=item.id, item_version_id=item.current_version_id, actor_id=actor.id,
                           action=action, comment=comment))
    session.flush()


def submit_item(session: Session, *, actor: Actor, item_id: int, comment: str = "") -> Item:
    """Send a draft to review. Raises NotFound, PermissionDenied, or Conflict if not a draft."""
    item = get_item(session, item_id)
    if not policies.can_submit_item(actor, item):
        raise PermissionDenied("only the item's author can submit it for review")
    item.submit_for_review()
    _record(session, item, actor, "submitted", comment)
    return item


def approve_item(session: Session, *, actor: Actor, item_id: int, comment: str = "") -> Item:
    """Approve an item in review. Raises PermissionDenied for self-approval, Conflict if not in review."""
    item = get_item(session, item_id)
    if not policies.can_review_item(actor, item):
        raise PermissionDenied(
            "reviewers cannot approve their own items" if item.author_id == actor.id
            else "only reviewers can approve items"
        )
    item.approve()
    _record(session, item, actor, "approved", comment)
    return item


def reject_item(session: Session, *, actor: Actor, item_id: int, comment: str) -> Item:
    """Return an item in review to its author with a reason. Raises PermissionDenied, Conflict, RuleViolation."""
    item = get_item(session, item_id)
    if not policies.can_review_item(actor, item):
        raise PermissionDenied("only a reviewer other than the author can reject an item")
    if not comment.strip():
        raise RuleViolation("a rejection needs a comment for the author", field="comment")
    item.return_to_draft()
    _record(session, item, actor, "rejected", comment)
    return item


def list_reviews(session: Session, *, actor: Actor, item_id: int) -> list[ItemReview]:
    """The review trail of an item, oldest first."""
    item = get_item_for(session, actor=actor, item_id=item_id)
    return list(session.scalars(select(ItemReview).where(ItemReview.item_id == item.id)
                                .order_by(ItemReview.id)))
