"""HR visibility: unit-scoped HR sees its own unit, organisation-wide HR sees every unit."""

from __future__ import annotations

from core.accounts import Actor, Role


def can_view_unit_people(actor: Actor, unit_id: int) -> bool:
    if Role.ADMIN in actor.roles:
        return True
    return Role.HR in actor.roles and (actor.unit_id is None or actor.unit_id == unit_id)


def can_view_compliance(actor: Actor) -> bool:
    """HR (of a unit: that unit and its sub-units; of the organisation: everything) and admins."""
    return Role.ADMIN in actor.roles or Role.HR in actor.roles
