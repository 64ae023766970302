"""Enemy items: pairs that must never share a test, set under the item's ETag and read by whatever builds a test."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import Actor
from core.errors import PermissionDenied, RuleViolation
from question_bank import policies
from question_bank.models import Item, ItemEnemy
from question_bank.services import get_item, require_current


def set_enemies(session: Session, *, actor: Actor, item_id: int, if_match: str | None,
                enemy_ids: Iterable[int]) -> Item:
    """Replace the items that must never share a test with this one, guarded by the item's ETag. Every item whose
    enemies change (this one, and each one added or taken away) gets a new revision and an audit entry.

    Raises PermissionDenied, PreconditionRequired or PreconditionFailed, RuleViolation for bad ids.
    """
    item = get_item(session, item_id, for_update=True)
    if not policies.can_edit_item(actor, item):
        raise PermissionDenied("only authors can change enemy items")
    require_current(item, if_match)
    wanted = set(enemy_ids)
    if item.id in wanted:
        raise RuleViolation("an item cannot be its own enemy", field="enemy_ids")
    found = set(session.scalars(select(Item.id).where(Item.id.in_(wanted)))) if wanted else set()
    if wanted - found:
        raise RuleViolation(f"unknown items: {sorted(wanted - found)}", field="enemy_ids")
    present = set(list_enemies(session, item.id))
    added, removed = sorted(wanted - present), sorted(present - wanted)
    if not added and not removed:
        return item
    for other in removed:
        low, high = sorted((item.id, other))
        session.delete(session.get(ItemEnemy, (low, high)))
    for other in added:
        low, high = sorted((item.id, other))
        session.add(ItemEnemy(item_id=low, enemy_id=high))
    session.flush()
    item.revision += 1
    audit.record(session, actor=actor, action="item.enemies_set", entity_type="item", entity_id=item.id,
                 enemies=sorted(wanted), added=added, removed=removed)
    # The other side of each pair changed too: its ETag must not let an edit based on the old list through.
    for other in session.scalars(select(Item).where(Item.id.in_(added + removed)).order_by(Item.id)
                                 .with_for_update().execution_options(populate_existing=True)):
        other.revision += 1
        audit.record(session, actor=actor, action="item.enemies_set", entity_type="item", entity_id=other.id,
                     enemies=list_enemies(session, other.id), set_on=item.id,
                     **({"added": [item.id]} if other.id in added else {"removed": [item.id]}))
    session.flush()
    return item


def enemy_pairs_among(session: Session, item_ids: Collection[int]) -> list[tuple[int, int]]:
    """The enemy pairs (lower id first) between items of ``item_ids``: what one test or pool must keep apart."""
    ids = list(item_ids)
    return [(first, second) for first, second in session.execute(select(ItemEnemy.item_id, ItemEnemy.enemy_id).where(
        ItemEnemy.item_id.in_(ids), ItemEnemy.enemy_id.in_(ids)))]


def list_enemies(session: Session, item_id: int) -> list[int]:
    pairs = session.execute(select(ItemEnemy.item_id, ItemEnemy.enemy_id).where(
        or_(ItemEnemy.item_id == item_id, ItemEnemy.enemy_id == item_id))).all()
    return sorted(b if a == item_id else a for a, b in pairs)
