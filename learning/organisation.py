"""The unit tree: sub-units under a parent, the subtree HR of a unit sees, adding a sub-unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from core.units import ancestor_ids, ancestors_that_matter, subtree_ids  # noqa: F401 - learning's names for them
from learning import policies
from learning.models import Unit, UnitGroup


def visible_unit_ids(session: Session, actor: Actor) -> set[int] | None:
    """The units whose people ``actor`` sees as HR: None for every unit. Raises PermissionDenied for non-HR."""
    if not policies.is_hr(actor):
        raise PermissionDenied("only HR sees staff records")
    if policies.sees_every_unit(actor):
        return None
    assert actor.unit_id is not None
    return subtree_ids(session, actor.unit_id)


def require_unit_in_scope(session: Session, actor: Actor, unit_id: int, *, field_name: str = "unit_id") -> Unit:
    """The unit, if ``actor`` may manage its people. Raises NotFound or PermissionDenied."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} does not exist", field=field_name)
    if not policies.can_manage_staff(actor, unit_id, ancestor_ids=ancestor_ids(session, unit_id)):
        raise PermissionDenied("HR of one unit manages only that unit and its sub-units", field=field_name)
    return unit


@dataclass(slots=True)
class UnitNode:
    id: int
    code: str
    name: str
    group: str
    parent_id: int | None
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(units: list[Unit]) -> list[UnitNode]:
    """Nest units under their parents; roots (and units whose parent is not listed) come first, by id."""
    nodes = {u.id: UnitNode(id=u.id, code=u.code, name=u.name, group=u.group, parent_id=u.parent_id)
             for u in sorted(units, key=lambda u: u.id)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def add_unit(session: Session, *, actor: Actor, code: str, name: str, parent_id: int | None = None,
             group: str | None = None) -> Unit:
    """Add a unit, usually a sub-unit of ``parent_id`` (it takes its parent's group unless told).

    Raises PermissionDenied (admins only), NotFound (no such parent), Conflict (code taken), RuleViolation.
    """
    if not policies.can_add_unit(actor):
        raise PermissionDenied("only administrators add units")
    parent = None
    if parent_id is not None:
        parent = session.get(Unit, parent_id)
        if parent is None:
            raise NotFound(f"unit {parent_id} does not exist", field="parent_id")
    group = group or (parent.group if parent is not None else None)
    if group is None:
        raise RuleViolation("a top-level unit needs a group", field="group")
    if group not in set(UnitGroup):
        raise RuleViolation(f"unknown unit group {group!r}", field="group")
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(f"unit code {code!r} is taken", field="code")
    unit = Unit(code=code, name=name, group=group, parent_id=parent_id)
    session.add(unit)
    session.flush()
    audit.record(session, actor=actor, action="unit.add", entity_type="unit", entity_id=unit.id,
                 code=code, parent_id=parent_id)
    return unit
