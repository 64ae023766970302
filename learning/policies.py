"""HR visibility: unit-scoped HR sees its own unit and its sub-units, organisation-wide HR sees every unit."""

from __future__ import annotations

from collections.abc import Collection

from core.accounts import Actor, Role
from core.units import hr_scope_covers


def can_view_unit_people(actor: Actor, unit_id: int, *, ancestor_ids: Collection[int] = ()) -> bool:
    """``ancestor_ids``: the units above ``unit_id``; HR of any of them sees this unit too."""
    return hr_scope_covers(actor, unit_id, ancestor_ids)


def can_manage_staff(actor: Actor, unit_id: int, *, ancestor_ids: Collection[int] = ()) -> bool:
    """Create, edit and import staff of a unit: the HR who may see that unit's people."""
    return can_view_unit_people(actor, unit_id, ancestor_ids=ancestor_ids)


def is_hr(actor: Actor) -> bool:
    return Role.ADMIN in actor.roles or Role.HR in actor.roles


def sees_every_unit(actor: Actor) -> bool:
    return Role.ADMIN in actor.roles or (Role.HR in actor.roles and actor.unit_id is None)


def can_add_unit(actor: Actor) -> bool:
    return Role.ADMIN in actor.roles


def can_view_compliance(actor: Actor) -> bool:
    """HR (of a unit: that unit and its sub-units; of the organisation: everything) and admins."""
    return Role.ADMIN in actor.roles or Role.HR in actor.roles


def can_manage_positions(actor: Actor) -> bool:
    """Job positions are organisation-wide: admins and organisation-wide HR create and change them."""
    return sees_every_unit(actor)
