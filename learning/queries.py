"""Read models for HR: who holds which level, per unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.models import CERTIFIED_BASES, AssessedLevel
from core.accounts import Actor, User
from core.db import INT32_MAX
from core.errors import NotFound, PermissionDenied
from learning import organisation, policies
from learning.models import Unit


@dataclass(frozen=True, slots=True)
class LevelRecord:
    user_id: int
    username: str
    full_name: str
    unit_id: int
    level: int
    basis: str
    awarded_at: datetime
    external_certificate_id: int | None = None  # basis "external": the verified certificate


CERTIFIED = "certified"  # certification tests and verified certificates issued elsewhere


def list_unit_levels(session: Session, *, actor: Actor, unit_id: int, basis: str = CERTIFIED) -> list[LevelRecord]:
    """Levels held by the people of a unit and the units below it (as the staff list and the people-levels
    report take a unit), newest first; each record names the person's own unit. Raises PermissionDenied outside
    the HR scope.

    ``basis`` "certified" (the default) counts our certification tests and verified external certificates
    alike; a single basis (certification, external, placement) lists only that one.
    """
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit_id")
    if not policies.can_view_unit_people(actor, unit_id,
                                         ancestor_ids=organisation.ancestor_ids(session, unit_id)):
        raise PermissionDenied("HR of one unit sees only that unit's and its sub-units' people")
    rows = session.execute(
        select(AssessedLevel, User)
        .join(User, User.id == AssessedLevel.user_id)
        .where(User.unit_id.in_(organisation.subtree_ids(session, unit_id)),
               AssessedLevel.basis.in_(CERTIFIED_BASES) if basis == CERTIFIED else AssessedLevel.basis == basis)
        .order_by(AssessedLevel.awarded_at.desc(), AssessedLevel.id.desc())
    ).all()
    return [LevelRecord(user_id=user.id, username=user.username, full_name=user.full_name, unit_id=user.unit_id,
                        level=level.level, basis=level.basis, awarded_at=level.awarded_at,
                        external_certificate_id=level.external_certificate_id)
            for level, user in rows]


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def resolve_unit(session: Session, reference: str) -> Unit:
    """A unit by its id or its code. Raises NotFound."""
    unit = session.scalar(select(Unit).where(Unit.code == reference))
    if unit is None and reference.isascii() and reference.isdigit() and int(reference) <= INT32_MAX:
        unit = session.get(Unit, int(reference))
    if unit is None:
        raise NotFound(f"no unit with id or code {reference!r}", field="unit")
    return unit
