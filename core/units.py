"""The organisation's unit tree, as access rules below learning need it.

learning owns the units (``learning.models.Unit``: names, groups, targets). The rules that decide what HR
of a unit sees (its own unit and the units below it) apply to certificates in assessment too, which may
not import learning; so the tree's two columns are read here, and learning.organisation uses the same.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Integer, Select, String, column, select, table
from sqlalchemy.orm import Session

from core.accounts import Actor, Role

_UNITS = table("units", column("id", Integer), column("parent_id", Integer), column("code", String))


def subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it (one recursive query, on SQLite and PostgreSQL alike)."""
    tree = select(_UNITS.c.id).where(_UNITS.c.id == unit_id).cte("unit_subtree", recursive=True)
    tree = tree.union_all(select(_UNITS.c.id).where(_UNITS.c.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def subtrees_of_codes(codes: Collection[str]) -> Select:
    """The ids of the units with these codes and of every unit below them, as a subquery to filter with."""
    tree = select(_UNITS.c.id).where(_UNITS.c.code.in_(tuple(codes))).cte("coded_subtree", recursive=True)
    tree = tree.union_all(select(_UNITS.c.id).where(_UNITS.c.parent_id == tree.c.id))
    return select(tree.c.id)


def ancestor_ids(session: Session, unit_id: int) -> set[int]:
    """The units above ``unit_id``, up to its root (not the unit itself)."""
    chain = select(_UNITS.c.id, _UNITS.c.parent_id).where(_UNITS.c.id == unit_id).cte("unit_ancestors",
                                                                                     recursive=True)
    chain = chain.union_all(select(_UNITS.c.id, _UNITS.c.parent_id).where(_UNITS.c.id == chain.c.parent_id))
    return set(session.scalars(select(chain.c.id))) - {unit_id}


def ancestors_that_matter(session: Session, actor: Actor, unit_id: int | None) -> set[int]:
    """The units above ``unit_id`` when they can change what ``actor`` may see there (HR of another unit,
    which may be one of them); otherwise none, and no query."""
    unit_scoped_hr = Role.HR in actor.roles and Role.ADMIN not in actor.roles and actor.unit_id is not None
    if unit_id is not None and unit_scoped_hr and actor.unit_id != unit_id:
        return ancestor_ids(session, unit_id)
    return set()


def hr_scope_covers(actor: Actor, unit_id: int | None, ancestor_ids: Collection[int] = ()) -> bool:
    """HR of the unit or of a unit above it (``ancestor_ids``), organisation-wide HR and admins."""
    if Role.ADMIN in actor.roles:
        return True
    return Role.HR in actor.roles and (actor.unit_id is None or (unit_id is not None and (
        actor.unit_id == unit_id or actor.unit_id in ancestor_ids)))
