"""Job positions: the language, level and date each one requires (organisation-wide, kept by HR)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from core.languages import LANGUAGE_CODE
from learning import policies
from learning.models import JobPosition
from learning.staff import nfc

MIN_LEVEL, MAX_LEVEL = 1, 6
EDITABLE = ("title", "language", "required_level", "is_leadership", "required_by")


@dataclass(slots=True)
class PositionDraft:
    title: str
    required_level: int
    language: str = "en"
    is_leadership: bool = False
    required_by: date | None = None


def title_key(title: str) -> str:
    """What makes two job position titles the same: composed Unicode, any run of spaces as one, case folded.
    Titles are unique by it, and the staff import matches a row's position on it."""
    return nfc(" ".join(nfc(title).split()).casefold())


def _keeper(actor: Actor) -> None:
    if not policies.can_manage_positions(actor):
        raise PermissionDenied("only administrators and organisation-wide HR keep the job positions")


def _check(session: Session, values: dict[str, Any], *, position_id: int | None = None) -> None:
    if not MIN_LEVEL <= values["required_level"] <= MAX_LEVEL:
        raise RuleViolation(f"a required level runs from {MIN_LEVEL} to {MAX_LEVEL}", field="required_level")
    if not LANGUAGE_CODE.fullmatch(values["language"]):
        raise RuleViolation("a language is a lower-case ISO 639 code such as en", field="language")
    key = title_key(values["title"])
    if not key:
        raise RuleViolation("a job position needs a title", field="title")
    # titles alike but for case and spaces are one title to the import, which matches them so: one position each
    for other_id, other_title in session.execute(select(JobPosition.id, JobPosition.title)):
        if other_id != position_id and title_key(other_title) == key:
            raise Conflict(f"a job position titled {other_title!r} exists", field="title")


def list_positions(session: Session) -> list[JobPosition]:
    return list(session.scalars(select(JobPosition).order_by(JobPosition.title, JobPosition.id)))


def get_position(session: Session, position_id: int) -> JobPosition:
    """Raises NotFound."""
    position = session.get(JobPosition, position_id)
    if position is None:
        raise NotFound(f"job position {position_id} does not exist", field="position_id")
    return position


def create_position(session: Session, *, actor: Actor, draft: PositionDraft) -> JobPosition:
    """Add a job position. Raises PermissionDenied, RuleViolation, Conflict (title taken)."""
    _keeper(actor)
    values = asdict(draft)
    _check(session, values)
    position = JobPosition(**values)
    session.add(position)
    session.flush()
    audit.record(session, actor=actor, action="position.created", entity_type="job_position",
                 entity_id=position.id, title=position.title)
    return position


def update_position(session: Session, *, actor: Actor, position_id: int, changes: dict[str, Any]) -> JobPosition:
    """Change a position; its holders' paths pick the change up when next refreshed or re-planned.

    Raises PermissionDenied, NotFound, RuleViolation, Conflict (title taken).
    """
    _keeper(actor)
    position = get_position(session, position_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise RuleViolation(f"cannot edit {sorted(unknown)}", field=sorted(unknown)[0])
    _check(session, {name: getattr(position, name) for name in EDITABLE} | changes, position_id=position.id)
    for name, value in changes.items():
        setattr(position, name, value)
    session.flush()
    audit.record(session, actor=actor, action="position.updated", entity_type="job_position",
                 entity_id=position.id, fields=sorted(changes))
    return position
