"""Who is external-relations staff (Plan 320/KH-TLĐ): a rule read from targets.yaml, never code.

A staff member is external-relations staff when their unit is one of ``external_relations.unit_codes`` (and,
with ``include_sub_units``, any unit below one of them), or when the StaffMember boolean named by
``staff_flag`` is set (external-relations cadres of provincial federations and other units).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.units import subtrees_of_codes
from learning.models import StaffMember, Unit
from learning.reference_data import read_targets
from learning.scope import InvalidRules
from learning.training_models import CourseKind

STAFF_FLAGS = ("is_external_relations",)  # StaffMember booleans the rule may name


@dataclass(frozen=True, slots=True)
class ExternalRelationsRule:
    unit_codes: tuple[str, ...]
    include_sub_units: bool
    staff_flag: str | None
    course_kinds: tuple[str, ...]

    @classmethod
    def load(cls, data: dict[str, Any] | None = None) -> ExternalRelationsRule:
        """The ``external_relations`` section of targets.yaml (or of ``data``). Raises InvalidRules."""
        return _shipped_rule() if data is None else cls._parse(data)

    @classmethod
    def _parse(cls, data: dict[str, Any]) -> ExternalRelationsRule:
        section = data.get("external_relations") or {}
        flag = section.get("staff_flag")
        if flag is not None and flag not in STAFF_FLAGS:
            raise InvalidRules(f"external_relations: unknown staff flag {flag!r}")
        kinds = tuple(section.get("course_kinds", (CourseKind.PROFESSIONAL, CourseKind.EXTERNAL_AFFAIRS)))
        if set(kinds) - set(CourseKind) or CourseKind.LANGUAGE in kinds:
            raise InvalidRules(f"external_relations: course_kinds must be non-language kinds, not {list(kinds)}")
        return cls(unit_codes=tuple(str(code) for code in section.get("unit_codes", ())),
                   include_sub_units=bool(section.get("include_sub_units", True)), staff_flag=flag,
                   course_kinds=kinds)

    def unit_ids(self, session: Session) -> set[int]:
        """The units whose people are external-relations staff."""
        if not self.unit_codes:
            return set()
        if not self.include_sub_units:
            return set(session.scalars(select(Unit.id).where(Unit.code.in_(self.unit_codes))))
        return set(session.scalars(subtrees_of_codes(self.unit_codes)))

    def covers(self, session: Session, staff: StaffMember) -> bool:
        if self.staff_flag is not None and getattr(staff, self.staff_flag):
            return True
        return staff.unit_id in self.unit_ids(session)


def is_external_relations_staff(session: Session, staff: StaffMember) -> bool:
    """Whether the rule of targets.yaml makes ``staff`` external-relations staff."""
    return ExternalRelationsRule.load().covers(session, staff)


@cache
def _shipped_rule() -> ExternalRelationsRule:
    # The shipped data file does not change while the process runs; paths check the rule on every refresh.
    return ExternalRelationsRule._parse(read_targets())
