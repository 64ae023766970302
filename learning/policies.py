"""HR visibility: unit-scoped HR sees its own unit, organisation-wide HR sees every unit."""

from __future__ import annotations

from core.accounts import Actor, Role


def can_view_unit_people(actor: Actor, unit_id: int) -> bool:
    if Role.ADMIN in actor.roles:
        return True
    return Role.HR in actor.roles and (actor.unit_id is None or actor.unit_id == unit_id)
