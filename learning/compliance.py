"""HR compliance against the language targets: one SQL pass per report, per unit and cohort, and rollups.

A person counts as "at or above" when their best certified level valid at the as-of date reaches the
required level, i.e. when at least one of their levels is: of a certified basis (targets.yaml
``certificates.bases``), in a counted language, awarded on or before the as-of date, and with
``valid_until`` empty or on or after it. Expired and placement-only levels never count.

Days are the centre's calendar days in Vietnam, as certificates date them. The as-of date defaults to today,
whatever the deadline: the report says where the organisation stands now against that deadline's target
(``as_of`` asks about another day). A person counts on the as-of day only when employed on it
(``learning.staff.employed_on``: joined on or before it, or before the records, and left on or after it, or not
at all), so the 2025 target judged as of 2025-12-31 counts neither those hired since nor those gone before.
Rollups are computed on the totals (their gap is not the sum of the units' gaps); ``ceil`` runs on the
Decimal target, so that 0.60 * 5 is 3 people, not 3.0000000000000004 -> 4.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from assessment.models import CERTIFIED_BASES, AssessedLevel
from core import clock
from core.accounts import Role
from core.accounts.types import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.languages import LANGUAGE_CODE
from core.units import subtrees_of_codes
from learning import organisation, policies
from learning.leadership_roles import LeadershipLadder
from learning.models import StaffMember, Unit
from learning.scope import Cohort, ComplianceRules
from learning.staff import employed_on, leadership_role

ALL = "ALL"
ALREADY = "already"
NEVER = "never at this rate"
# The days a report can be asked about: ages reach 40 years back and the projection a year, so a day
# near the calendar's ends cannot be computed; none of them is a day HR measures anyway.
EARLIEST_AS_OF, LATEST_AS_OF = date(1900, 1, 1), date(9998, 12, 31)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clipped to the month's last day. Raises OverflowError when
    that month is outside the years a date can hold (1-9999), as date arithmetic does."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not date.min.year <= year <= date.max.year:
        raise OverflowError(f"{months} months from {day} is outside the years a date can hold")
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def measured_day(as_of: date | None) -> date:
    """The day a report measures: ``as_of``, or today at the centre. Raises RuleViolation outside the days it
    can measure."""
    if as_of is None:
        return clock.day_in_vietnam()
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise RuleViolation(f"as_of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}", field="as_of")
    return as_of


def _checked_language(language: str | None) -> str | None:
    """A language filter must be a code as levels store it (en, fr): "english" would silently match nobody."""
    if language is not None and not LANGUAGE_CODE.fullmatch(language):
        raise RuleViolation("a language is a lower-case ISO 639 code such as en", field="language")
    return language


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` at the centre (Vietnam): levels awarded before it were awarded on or
    before that calendar day there, as the certificates date them."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.VIETNAM)


# ---- who may see what ----------------------------------------------------------------------------------

def visible_unit_ids(session: Session, actor: Actor) -> set[int] | None:
    """The units an HR actor may report on: None for organisation-wide HR and admins, else their unit and
    its sub-units (Unit.parent_id). Raises PermissionDenied for anyone else."""
    if not policies.can_view_compliance(actor):
        raise PermissionDenied("compliance reports are for HR")
    if Role.ADMIN in actor.roles or actor.unit_id is None:
        return None
    return organisation.subtree_ids(session, actor.unit_id)


# ---- the SQL building blocks ------------------------------------------------------------------------------

def _valid_levels(as_of: date, *, bases: tuple[str, ...], languages: tuple[str, ...] | None) -> list:
    return [*_counted_levels(bases, languages), _valid_on(as_of)]


def _counted_levels(bases: tuple[str, ...], languages: tuple[str, ...] | None) -> list:
    """Levels of the bases (and languages, None: any) the report counts, whatever their dates."""
    return [AssessedLevel.basis.in_(bases), *([AssessedLevel.language.in_(languages)] if languages is not None else [])]


def _valid_on(day: date):
    """A level awarded by ``day`` and still valid on it."""
    return and_(AssessedLevel.awarded_at < end_of_day(day),
                or_(AssessedLevel.valid_until.is_(None), AssessedLevel.valid_until >= day))


def _scope_conditions(rules: ComplianceRules, as_of: date) -> list:
    """The people the targets count on ``as_of``: of the units and flags in scope, and employed that day."""
    conditions = [Unit.group.in_(rules.included_unit_groups), employed_on(as_of)]
    if rules.excluded_unit_groups:
        conditions.append(Unit.group.not_in(rules.excluded_unit_groups))
    if rules.excluded_unit_codes:  # the unit and every unit below it: a sub-unit of Ban Đối ngoại is still out
        conditions.append(Unit.id.not_in(subtrees_of_codes(rules.excluded_unit_codes)))
    conditions.extend(getattr(StaffMember, flag) == false() for flag in rules.excluded_staff_flags)
    return conditions


def _under(age: int, as_of: date) -> date:
    """Born after this day: younger than ``age`` on ``as_of``."""
    return add_months(as_of, -12 * age)


def _cohort_condition(cohort: Cohort, as_of: date, person=StaffMember):
    """Membership of ``cohort`` over ``person``'s columns (the StaffMember table, or a subquery of it)."""
    conditions = [person.category == cohort.category]
    if cohort.is_leader is not None:
        conditions.append(person.is_leader == (true() if cohort.is_leader else false()))
    if cohort.leadership_roles is not None:
        conditions.append(person.leadership_role.in_(cohort.leadership_roles))
    if cohort.age_under is not None:
        conditions.append(person.birth_date > _under(cohort.age_under, as_of))
    return and_(*conditions)


def compliance_statement(rules: ComplianceRules, *, as_of: date, unit_ids: set[int] | None = None,
                         language: str | None = None) -> Select:
    """Per unit and cohort: people in scope, at or above the level, and of those, how many reached it within the
    projection window: at the level on ``as_of`` and not on the window's first day. A certificate renewed while
    the last one was valid is no gain; a level regained after one lapsed is.

    Two GROUP BYs: each person in scope with the first award among their qualifying levels (NULL: none),
    then per unit. Joining the levels to the people in scope before grouping lets PostgreSQL run it as one
    parallel hash join; grouping all levels per user first would aggregate everyone's, in every worker.
    """
    languages = (language,) if language else rules.languages
    window_day = add_months(as_of, -rules.recent_months)
    valid_now, valid_then = _valid_on(as_of), _valid_on(window_day)
    # The person's levels valid on either day, in one join: those of the as-of day count, those of the window's
    # first day tell a gain from a renewal.
    qualifying = and_(AssessedLevel.user_id == StaffMember.user_id, AssessedLevel.level >= rules.required_level,
                      *_counted_levels(rules.bases, languages), or_(valid_now, valid_then))
    person = (select(StaffMember.id, StaffMember.unit_id, StaffMember.category, StaffMember.is_leader,
                     StaffMember.leadership_role, StaffMember.birth_date,
                     func.min(case((valid_now, AssessedLevel.awarded_at))).label("first_reached"),
                     func.max(case((valid_then, 1), else_=0)).label("held_before"))
              .select_from(StaffMember).join(Unit, Unit.id == StaffMember.unit_id)
              .outerjoin(AssessedLevel, qualifying)
              .where(*_scope_conditions(rules, as_of)).group_by(StaffMember.id))
    if unit_ids is not None:
        person = person.where(StaffMember.unit_id.in_(unit_ids))
    person = person.subquery("person")
    columns = [person.c.unit_id]
    for cohort in rules.cohorts:
        member = _cohort_condition(cohort, as_of, person.c)
        at_level = and_(member, person.c.first_reached.is_not(None))
        columns += [
            func.sum(case((member, 1), else_=0)).label(f"{cohort.name}__in_scope"),
            func.sum(case((at_level, 1), else_=0)).label(f"{cohort.name}__at"),
            func.sum(case((and_(at_level, person.c.held_before == 0), 1), else_=0)).label(
                f"{cohort.name}__recent"),
        ]
    return select(*columns).group_by(person.c.unit_id)


# ---- the report ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ComplianceRow:
    unit: str  # the unit's code, or ALL for a rollup
    unit_name: str
    group: str  # the unit's group; ALL for the organisation-wide rollup
    cohort: str
    in_scope: int
    at_or_above: int
    share: float  # 0..1
    target: float  # 0..1
    gap_people: int  # max(0, ceil(target * in_scope) - at_or_above)
    recent: int  # people who reached the level within the projection window, not holding it at its start
    projection: str  # "already", "never at this rate" (no rate, or a month past 9999), or the month (YYYY-MM)
    on_track: bool  # met already, or reached by the deadline's month at the recent rate

    @classmethod
    def build(cls, *, unit: str, unit_name: str, group: str, cohort: str, in_scope: int, at_or_above: int,
              target: Decimal, recent: int, as_of: date, deadline: date, months: int) -> ComplianceRow:
        required = math.ceil(target * in_scope)
        gap = max(0, required - at_or_above)
        if gap == 0:
            projection, reached = ALREADY, as_of
        elif recent == 0:
            projection, reached = NEVER, None
        else:
            try:
                reached = add_months(as_of, math.ceil(gap * months / recent))
                projection = f"{reached:%Y-%m}"
            except OverflowError:  # past year 9999 at this rate: no month to name, and never by any deadline
                projection, reached = NEVER, None
        return cls(unit=unit, unit_name=unit_name, group=group, cohort=cohort, in_scope=in_scope,
                   at_or_above=at_or_above, share=round(at_or_above / in_scope, 4) if in_scope else 0.0,
                   target=float(target), gap_people=gap, recent=recent, projection=projection,
                   on_track=gap == 0 or (reached is not None
                                         and (reached.year, reached.month) <= (deadline.year, deadline.month)))


@dataclass(frozen=True, slots=True)
class UnrecognisedRole:
    """A person the report counts whose stored ``leadership_role`` names no rung of the ladder (a value stored
    before roles were checked, kept by migration a065aa92f44d): no cohort that counts leaders counts them
    until HR corrects it."""

    staff_id: int
    staff_number: str | None
    full_name: str
    unit: str  # the unit's code
    leadership_role: str


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    deadline: date
    as_of: date
    required_level: int
    recent_months: int
    rows: list[ComplianceRow]  # per unit and cohort, then the ALL rollups
    groups: list[ComplianceRow] = field(default_factory=list)  # rolled up per unit group (unit = group name)
    unrecognised_leadership_roles: list[UnrecognisedRole] = field(default_factory=list)

    @property
    def unit_rows(self) -> list[ComplianceRow]:
        return [row for row in self.rows if row.unit != ALL]

    @property
    def rollups(self) -> list[ComplianceRow]:
        return [row for row in self.rows if row.unit == ALL]


def compliance_report(session: Session, *, actor: Actor, deadline: date, as_of: date | None = None,
                      language: str | None = None, rules: ComplianceRules | None = None) -> ComplianceReport:
    """Compliance with the targets of ``deadline`` at ``as_of`` (default: today), within the actor's units.

    Raises PermissionDenied (not HR) and NotFound (a deadline targets.yaml does not have)."""
    unit_ids = visible_unit_ids(session, actor)
    return build_compliance_report(session, deadline=deadline, as_of=as_of, unit_ids=unit_ids, language=language,
                                   rules=rules)


def build_compliance_report(session: Session, *, deadline: date, as_of: date | None = None,
                            unit_ids: set[int] | None = None, language: str | None = None,
                            rules: ComplianceRules | None = None) -> ComplianceReport:
    """The report for the given units (None: all), without a permission check (CLI, bench)."""
    rules = rules or ComplianceRules.load()
    if deadline not in rules.targets:
        raise NotFound(f"targets.yaml has no deadline {deadline}; it has "
                       f"{', '.join(str(d) for d in sorted(rules.targets))}", field="deadline")
    as_of, language = measured_day(as_of), _checked_language(language)
    targets = rules.targets_at(deadline)
    units = {unit.id: unit for unit in session.scalars(select(Unit))}
    counts = session.execute(compliance_statement(rules, as_of=as_of, unit_ids=unit_ids, language=language)).all()
    common = {"as_of": as_of, "deadline": deadline, "months": rules.recent_months}
    rows: list[ComplianceRow] = []
    totals: dict[tuple[str, str], list[int]] = {}
    for record in sorted(counts, key=lambda r: (units[r.unit_id].group, units[r.unit_id].code)):
        unit = units[record.unit_id]
        for cohort in rules.cohorts:
            in_scope, at, recent = (int(getattr(record, f"{cohort.name}__{part}") or 0)
                                    for part in ("in_scope", "at", "recent"))
            if in_scope == 0:
                continue  # no one of this cohort in this unit: nothing to measure
            rows.append(ComplianceRow.build(unit=unit.code, unit_name=unit.name, group=unit.group,
                                            cohort=cohort.name, in_scope=in_scope, at_or_above=at,
                                            target=targets[cohort.name], recent=recent, **common))
            for key in ((unit.group, cohort.name), (ALL, cohort.name)):
                total = totals.setdefault(key, [0, 0, 0])
                total[0] += in_scope
                total[1] += at
                total[2] += recent

    def rollup(group: str, cohort: str, label: str) -> ComplianceRow:
        in_scope, at, recent = totals[(group, cohort)]
        return ComplianceRow.build(unit=label, unit_name=label, group=group, cohort=cohort, in_scope=in_scope,
                                   at_or_above=at, target=targets[cohort], recent=recent, **common)

    names = [cohort.name for cohort in rules.cohorts]
    rows += [rollup(ALL, name, ALL) for name in names if (ALL, name) in totals]
    groups = [rollup(group, name, group) for group in sorted({g for g, _ in totals if g != ALL})
              for name in names if (group, name) in totals]
    return ComplianceReport(deadline=deadline, as_of=as_of, required_level=rules.required_level,
                            recent_months=rules.recent_months, rows=rows, groups=groups,
                            unrecognised_leadership_roles=unrecognised_roles(session, rules, as_of=as_of,
                                                                             unit_ids=unit_ids))


def unrecognised_roles(session: Session, rules: ComplianceRules, *, as_of: date,
                       unit_ids: set[int] | None = None) -> list[UnrecognisedRole]:
    """The people in the targets' scope on ``as_of`` (of ``unit_ids``; None: all) whose leadership role is off
    the ladder."""
    query = (select(StaffMember.id, StaffMember.staff_number, StaffMember.full_name, Unit.code,
                    StaffMember.leadership_role)
             .join(Unit, Unit.id == StaffMember.unit_id)
             .where(*_scope_conditions(rules, as_of), StaffMember.leadership_role.is_not(None),
                    StaffMember.leadership_role.not_in(LeadershipLadder.load().roles))
             .order_by(Unit.code, StaffMember.full_name, StaffMember.id))
    if unit_ids is not None:
        query = query.where(StaffMember.unit_id.in_(unit_ids))
    return [UnrecognisedRole(staff_id=staff_id, staff_number=number, full_name=name, unit=code, leadership_role=role)
            for staff_id, number, name, code, role in session.execute(query)]


# ---- people and their best level -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PeopleFilter:
    unit_id: int | None = None
    group: str | None = None
    category: str | None = None
    is_leader: bool | None = None
    leadership_role: str | None = None
    under_40: bool | None = None
    language: str | None = None
    level: int | None = None
    min_level: int | None = None
    basis: str | None = None  # certification or external; None: every certified basis
    in_scope: bool | None = None  # True: only people the targets count on the day; False: only those they leave out


@dataclass(frozen=True, slots=True)
class PersonLevel:
    staff_id: int
    user_id: int | None
    full_name: str
    unit_id: int
    unit_code: str
    group: str
    category: str
    is_leader: bool
    leadership_role: str | None
    birth_date: date | None
    is_language_teacher: bool
    level: int | None  # the best certified level valid at the as-of date; None: none
    language: str | None
    basis: str | None
    awarded_at: datetime | None
    valid_until: date | None


def list_people_levels(session: Session, *, actor: Actor, filters: PeopleFilter, as_of: date | None = None,
                       limit: int = 100, offset: int = 0, rules: ComplianceRules | None = None) -> list[PersonLevel]:
    """Staff with their best valid certified level, filtered; unit-scoped HR sees only its units.

    Raises PermissionDenied (not HR, or a unit outside the actor's scope), NotFound (no such unit) and
    RuleViolation (a language that is no code, a leadership role on no rung: either would match nobody)."""
    # a title is read as PATCH /staff stores it (pho_truong_phong is deputy_division_head)
    role = None if filters.leadership_role is None else leadership_role(filters.leadership_role)
    visible = visible_unit_ids(session, actor)
    if filters.unit_id is not None:
        if session.get(Unit, filters.unit_id) is None:
            raise NotFound(f"unit {filters.unit_id} does not exist", field="unit_id")
        if visible is not None and filters.unit_id not in visible:
            raise PermissionDenied("HR of one unit sees only that unit's people")
    rules = rules or ComplianceRules.load()
    as_of = measured_day(as_of)
    _checked_language(filters.language)
    bases = (filters.basis,) if filters.basis else tuple(CERTIFIED_BASES)
    languages = (filters.language,) if filters.language else None
    ranked = (select(AssessedLevel.user_id, AssessedLevel.level, AssessedLevel.language, AssessedLevel.basis,
                     AssessedLevel.awarded_at, AssessedLevel.valid_until,
                     func.row_number().over(partition_by=AssessedLevel.user_id,
                                            order_by=(AssessedLevel.level.desc(), AssessedLevel.awarded_at.desc(),
                                                      AssessedLevel.id.desc())).label("rank"))
              .where(*_valid_levels(as_of, bases=bases, languages=languages)).subquery("ranked"))
    best = select(ranked).where(ranked.c.rank == 1).subquery("best")
    statement = (select(StaffMember, Unit.code, Unit.group, best.c.level, best.c.language, best.c.basis,
                        best.c.awarded_at, best.c.valid_until)
                 .join(Unit, Unit.id == StaffMember.unit_id)
                 .outerjoin(best, best.c.user_id == StaffMember.user_id))
    conditions = []
    if visible is not None:
        conditions.append(StaffMember.unit_id.in_(visible))
    if filters.unit_id is not None:  # the unit and the units below it, as the staff list and HR scopes take it
        conditions.append(StaffMember.unit_id.in_(organisation.subtree_ids(session, filters.unit_id)))
    simple = {Unit.group: filters.group, StaffMember.category: filters.category,
              StaffMember.is_leader: filters.is_leader, StaffMember.leadership_role: role,
              best.c.level: filters.level}
    conditions += [column == value for column, value in simple.items() if value is not None]
    if filters.min_level is not None:
        conditions.append(best.c.level >= filters.min_level)
    if filters.under_40 is not None:
        young = StaffMember.birth_date > _under(40, as_of)
        conditions.append(young if filters.under_40 else or_(StaffMember.birth_date.is_(None), ~young))
    if filters.in_scope is not None:
        scoped = and_(*_scope_conditions(rules, as_of))
        conditions.append(scoped if filters.in_scope else ~scoped)
    if filters.language or filters.basis:
        conditions.append(best.c.level.is_not(None))  # filtering on a certificate's kind: people who hold one
    rows = session.execute(statement.where(*conditions).order_by(StaffMember.unit_id, StaffMember.full_name,
                                                                 StaffMember.id).limit(limit).offset(offset)).all()
    return [PersonLevel(staff_id=staff.id, user_id=staff.user_id, full_name=staff.full_name, unit_id=staff.unit_id,
                        unit_code=code, group=group, category=staff.category, is_leader=staff.is_leader,
                        leadership_role=staff.leadership_role, birth_date=staff.birth_date,
                        is_language_teacher=staff.is_language_teacher, level=level, language=language, basis=basis,
                        awarded_at=awarded_at, valid_until=valid_until)
            for staff, code, group, level, language, basis, awarded_at, valid_until in rows]
