"""A small organisation for the compliance tests, whose figures are worked out by hand in test_compliance.py.

As of 2026-11-23 (the projection window starts 2025-11-24):

D1 (vgcl_department), civil servants:
  a1  division_head, born 1990  certification L4 2026-03-01, no end                 -> counts, recent, focus
  a2  division_head, born 1995  certification L3 valid + external L5 expired 2026-06-30 -> best valid 3: no, focus
  a3                            placement L5 only                                    -> no (not certified)
  a4  department_head, b. 1980  certification L3 2024 + external L4 2025-01-10 to 2027-01-10 -> counts, not recent
  a5                            nothing                                              -> no
  a6                            certification L4 awarded 2026-12-01 (after as-of)    -> no
  t1  language teacher          certification L5                                     -> out of scope
D1, public employees:
  b1  leader                    certification L4 2026-05-01                          -> counts, recent
  b2                            certification L2                                     -> no
  b3                            external L6 2020-02-01                               -> counts, not recent
SUB (vgcl_department, a sub-unit of D1):
  s1  civil servant             certification L4 2026-10-01                          -> counts, recent
D2 (central_sector_union), public employees:
  c1                            certification L4 2026-01-15 valid until 2026-11-23   -> counts (last valid day), recent
  c2                            certification L4 2025-11-01 valid until 2026-11-22   -> no (expired the day before)
  c3                            certification L3                                     -> no
  c4  leader                    nothing                                              -> no
  c5                            certification L4 in French 2025-06-01                -> counts (any foreign language)
EXT (code 88, Ban Đối ngoại, vgcl_department): e1 civil servant, L5          -> out of scope (external relations)
PF (provincial_federation): p1 civil servant, L5                             -> out of scope (provincial federation)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from assessment.models import AssessedLevel
from learning.models import StaffMember, Unit
from tests.factories import Factory

AS_OF = date(2026, 11, 23)


@dataclass
class Organisation:
    d1: Unit
    sub: Unit
    d2: Unit
    ext: Unit
    pf: Unit
    staff: dict[str, StaffMember]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def build_organisation(session: Session, factory: Factory) -> Organisation:
    d1, d2, pf = factory.unit("vgcl_department"), factory.unit("central_sector_union"), factory.unit(
        "provincial_federation")
    sub = Unit(code=f"{d1.code}-1", name="Sub-unit of D1", group="vgcl_department", parent_id=d1.id)
    ext = Unit(code="88", name="Ban Đối ngoại", group="vgcl_department")
    session.add_all([sub, ext])
    session.flush()
    staff: dict[str, StaffMember] = {}

    def person(key: str, unit: Unit, category: str, *levels: tuple, **details) -> None:
        user = factory.user("candidate", unit=unit, username=f"org-{key}-{unit.code}")
        member = StaffMember(full_name=f"Person {key}", unit_id=unit.id, category=category, user_id=user.id,
                             **details)
        session.add(member)
        for level, basis, awarded, *rest in levels:
            valid_until = rest[0] if rest else None
            language = rest[1] if len(rest) > 1 else "en"
            session.add(AssessedLevel(user_id=user.id, level=level, basis=basis, awarded_at=_at(awarded),
                                      valid_until=valid_until, language=language))
        staff[key] = member

    cs, pe = "civil_servant", "public_employee"
    person("a1", d1, cs, (4, "certification", "2026-03-01"), leadership_role="division_head",
           birth_date=date(1990, 1, 1), is_leader=True)
    person("a2", d1, cs, (3, "certification", "2026-02-01"), (5, "external", "2024-06-30", date(2026, 6, 30)),
           leadership_role="division_head", birth_date=date(1995, 5, 5), is_leader=True)
    person("a3", d1, cs, (5, "placement", "2026-04-01"))
    person("a4", d1, cs, (3, "certification", "2024-03-01"), (4, "external", "2025-01-10", date(2027, 1, 10)),
           leadership_role="department_head", birth_date=date(1980, 1, 1), is_leader=True)
    person("a5", d1, cs)
    person("a6", d1, cs, (4, "certification", "2026-12-01"))
    person("t1", d1, cs, (5, "certification", "2026-01-01"), is_language_teacher=True)
    person("r1", d1, cs, (5, "certification", "2026-01-01"), is_external_relations=True)  # Plan 320: out
    person("b1", d1, pe, (4, "certification", "2026-05-01"), is_leader=True)
    person("b2", d1, pe, (2, "certification", "2026-05-01"))
    person("b3", d1, pe, (6, "external", "2020-02-01"))
    person("s1", sub, cs, (4, "certification", "2026-10-01"))
    person("c1", d2, pe, (4, "certification", "2026-01-15", date(2026, 11, 23)))
    person("c2", d2, pe, (4, "certification", "2025-11-01", date(2026, 11, 22)))
    person("c3", d2, pe, (3, "certification", "2026-01-15"))
    person("c4", d2, pe, is_leader=True)
    person("c5", d2, pe, (4, "certification", "2025-06-01", None, "fr"))
    person("e1", ext, cs, (5, "certification", "2026-01-01"))
    person("p1", pf, cs, (5, "certification", "2026-01-01"))
    session.flush()
    return Organisation(d1=d1, sub=sub, d2=d2, ext=ext, pf=pf, staff=staff)
