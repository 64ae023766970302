"""Scope rules and compliance arithmetic against a small organisation worked out by hand (tests/compliance_org.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.accounts import Role
from core.accounts.types import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from learning.compliance import (
    ALREADY,
    NEVER,
    ComplianceRow,
    PeopleFilter,
    add_months,
    compliance_report,
    list_people_levels,
)
from assessment.models import AssessedLevel
from learning.models import StaffMember, Unit
from learning.scope import ComplianceRules, InvalidRules
from learning.reference_data import read_targets
from tests.compliance_org import AS_OF, build_organisation
from tests.factories import statements_run

DEADLINE = date(2025, 12, 31)
ORG_HR = Actor(id=1, roles=frozenset({Role.HR}))


@pytest.fixture
def org(db_session, factory):
    return build_organisation(db_session, factory)


def _figures(report, unit):
    return {row.cohort: (row.in_scope, row.at_or_above, row.share, row.target, row.gap_people, row.recent,
                         row.projection, row.on_track)
            for row in report.rows if row.unit == unit}


def test_rules_from_targets_yaml_name_the_scope_and_the_cohorts():
    rules = ComplianceRules.load()
    assert rules.required_level == 4
    assert rules.included_unit_groups == ("vgcl_department", "central_sector_union", "vgcl_direct_unit")
    assert rules.excluded_unit_groups == ("provincial_federation",)
    assert rules.excluded_unit_codes == ("88",)  # Ban Đối ngoại in units.csv
    assert rules.excluded_staff_flags == ("is_language_teacher", "is_external_relations")
    assert [c.name for c in rules.cohorts] == ["civil_servant", "public_employee", "public_employee_leader",
                                               "civil_servant_focus"]
    focus = rules.cohorts[-1]
    assert focus.leadership_roles[0] == "division_head" and focus.age_under == 40
    assert rules.targets_at(date(2030, 12, 31))["civil_servant_focus"] == rules.targets[date(2030, 12, 31)][
        "civil_servant"]
    assert rules.languages is None and rules.bases == ("certification", "external")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["scope_rules"].update(excluded_unit_groups=["vgcl_department"]), "both in and out"),
    (lambda d: d["cohorts"]["civil_servant"].update(category="soldier"), "unknown category"),
    (lambda d: d["cohorts"]["civil_servant_focus"].update(leadership_role_from="king"), "leadership_roles"),
    (lambda d: d["scope_rules"].update(excluded_staff_flags=["is_tall"]), "unknown staff flags"),
    (lambda d: d["certificates"].update(bases=["rumour"]), "unknown level bases"),
    (lambda d: d["deadlines"][0]["cohorts"]["civil_servant"].update(share_at_or_above=1.5), "between 0 and 1"),
])
def test_inconsistent_rules_are_refused(change, message):
    data = read_targets()
    change(data)
    with pytest.raises(InvalidRules, match=message):
        ComplianceRules.load(data)


def test_compliance_per_unit_and_cohort_matches_the_hand_worked_figures(db_session, org):
    report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF)
    # Out of scope: the provincial federation, Ban Đối ngoại (code 88); the language teacher t1 is not counted.
    assert {row.unit for row in report.rows} == {org.d1.code, org.sub.code, org.d2.code, "ALL"}
    # D1 civil servants a1..a6 = 6 in scope; at L4+: a1 (L4) and a4 (best valid L4 of L3 + L4) = 2.
    # a2's L5 expired, a3 has a placement level only, a6's certificate comes after the as-of day.
    # gap = ceil(0.50 * 6) - 2 = 1; recent: a1 (2026-03-01), 1 a year -> 12 months from 2026-11 -> 2027-11.
    # Focus (division head and up, under 40): a1 (36, counts, recent), a2 (31, does not) -> 1 of 2 = 0.5 = target.
    # Public employees b1, b2, b3: b1 (L4), b3 (L6) -> 2/3; ceil(0.6 * 3) = 2 -> no gap. Leaders: b1 -> 1/1.
    assert _figures(report, org.d1.code) == {
        "civil_servant": (6, 2, 0.3333, 0.5, 1, 1, "2027-11", False),
        "civil_servant_focus": (2, 1, 0.5, 0.5, 0, 1, ALREADY, True),
        "public_employee": (3, 2, 0.6667, 0.6, 0, 1, ALREADY, True),
        "public_employee_leader": (1, 1, 1.0, 0.5, 0, 1, ALREADY, True),
    }
    # SUB: s1 alone, L4.
    assert _figures(report, org.sub.code) == {"civil_servant": (1, 1, 1.0, 0.5, 0, 1, ALREADY, True)}
    # D2 public employees c1..c5 = 5: c1 (valid to the as-of day itself) and c5 (French) count = 2/5 = 0.4;
    # c2 expired the day before. ceil(0.60 * 5) = 3 exactly (in floats 0.6 * 5 = 3.0000000000000004 -> 4!),
    # gap 1; recent: c1 -> 2027-11. Leaders: c4 with nothing: ceil(0.5 * 1) = 1, gap 1, no one recent: never.
    assert _figures(report, org.d2.code) == {
        "public_employee": (5, 2, 0.4, 0.6, 1, 1, "2027-11", False),
        "public_employee_leader": (1, 0, 0.0, 0.5, 1, 0, NEVER, False),
    }
    # ALL: civil servants 6 + 1 = 7, at 2 + 1 = 3; ceil(0.5 * 7) = 4 -> gap 1; recent a1, s1 = 2 a year -> 6 months.
    # Public employees 3 + 5 = 8, at 2 + 2 = 4; ceil(0.6 * 8) = 5 -> gap 1; recent b1, c1 -> 2027-05.
    # Leaders 1 + 1 = 2, at 1 -> ceil(0.5 * 2) = 1 -> no gap (the ALL gap is not the sum of the unit gaps).
    assert _figures(report, "ALL") == {
        "civil_servant": (7, 3, 0.4286, 0.5, 1, 2, "2027-05", False),
        "public_employee": (8, 4, 0.5, 0.6, 1, 2, "2027-05", False),
        "public_employee_leader": (2, 1, 0.5, 0.5, 0, 1, ALREADY, True),
        "civil_servant_focus": (2, 1, 0.5, 0.5, 0, 1, ALREADY, True),
    }
    groups = {(row.group, row.cohort): (row.in_scope, row.at_or_above) for row in report.groups}
    assert groups[("vgcl_department", "civil_servant")] == (7, 3)
    assert groups[("central_sector_union", "public_employee")] == (5, 2)


def test_the_2030_targets_widen_the_gaps(db_session, org):
    report = compliance_report(db_session, actor=ORG_HR, deadline=date(2030, 12, 31), as_of=AS_OF)
    figures = _figures(report, org.d1.code)
    # ceil(0.60 * 6) - 2 = 2 people; at 1 a year that is 24 months: 2028-11, before the 2030 deadline.
    assert figures["civil_servant"] == (6, 2, 0.3333, 0.6, 2, 1, "2028-11", True)
    # ceil(0.70 * 3) - 2 = 1.
    assert figures["public_employee"][3:5] == (0.7, 1)


def test_a_later_as_of_day_drops_certificates_that_expired_meanwhile(db_session, org):
    report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=date(2026, 11, 24))
    # c1's certificate ended 2026-11-23.
    assert _figures(report, org.d2.code)["public_employee"][:2] == (5, 1)
    # Counting only English: c5's French L4 no longer counts either.
    english = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF, language="en")
    assert _figures(english, org.d2.code)["public_employee"][:2] == (5, 1)



def test_a_leaver_counts_up_to_their_last_day_and_a_joiner_from_their_first(db_session, org):
    """A report as of a past day counts who was employed then: not those hired since, nor those gone before."""
    a1, a5 = org.staff["a1"], org.staff["a5"]  # a1: L4, a focus-group division head; a5: no level
    a1.left_on, a1.leadership_role = date(2026, 11, 22), "Giám đốc"  # a title off the ladder, listed for HR
    a5.joined_on = date(2026, 11, 24)
    db_session.flush()

    def d1_civil_servants(as_of: date):
        report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=as_of)
        return _figures(report, org.d1.code)["civil_servant"][:2], [p.full_name for p in
                                                                     report.unrecognised_leadership_roles]

    # a1..a6 were 6 in scope, 2 at L4+ (a1, a4): the hand-worked figures of the first test
    assert d1_civil_servants(date(2026, 11, 22)) == ((5, 2), ["Person a1"])  # a1's last day; a5 not yet here
    assert d1_civil_servants(AS_OF) == ((4, 1), [])  # a1 gone, a5 not yet here
    assert d1_civil_servants(date(2026, 11, 24)) == ((5, 1), [])  # a5's first day
    report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF)
    assert _figures(report, "ALL")["civil_servant"][:2] == (5, 2)  # 7 and 3 with both counted
    # people-levels' in_scope is the report's: a1 and a5 are not counted on AS_OF, so are among the others
    in_scope = list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(unit_id=org.d1.id, in_scope=True),
                                  as_of=AS_OF)
    assert {"Person a1", "Person a5"}.isdisjoint(row.full_name for row in in_scope)
    left_out = list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(in_scope=False), as_of=AS_OF)
    assert {row.full_name for row in left_out} == {"Person t1", "Person r1", "Person e1", "Person p1", "Person a1",
                                                   "Person a5"}
    everyone = list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(unit_id=org.d1.id), as_of=AS_OF)
    assert {"Person a1", "Person a5"} <= {row.full_name for row in everyone}  # listed, as before, unfiltered

def test_unit_hr_gets_its_unit_and_sub_units_only(db_session, org):
    report = compliance_report(db_session, actor=Actor(id=2, roles=frozenset({Role.HR}), unit_id=org.d1.id),
                               deadline=DEADLINE, as_of=AS_OF)
    assert {row.unit for row in report.rows} == {org.d1.code, org.sub.code, "ALL"}
    assert _figures(report, "ALL")["civil_servant"][:2] == (7, 3)
    assert _figures(report, "ALL")["public_employee"][:2] == (3, 2)
    only_d2 = compliance_report(db_session, actor=Actor(id=3, roles=frozenset({Role.HR}), unit_id=org.d2.id),
                                deadline=DEADLINE, as_of=AS_OF)
    assert {row.unit for row in only_d2.rows} == {org.d2.code, "ALL"}


def test_only_hr_sees_compliance_and_deadlines_come_from_the_targets(db_session, org):
    with pytest.raises(PermissionDenied):
        compliance_report(db_session, actor=Actor(id=4, roles=frozenset({Role.RATER})), deadline=DEADLINE)
    with pytest.raises(NotFound):
        compliance_report(db_session, actor=ORG_HR, deadline=date(2027, 12, 31))


def test_people_levels_show_the_best_valid_certified_level_with_filters(db_session, org):
    def people(**filters):
        rows = list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(**filters), as_of=AS_OF,
                                  limit=1000)
        return {row.full_name.removeprefix("Person "): row.level for row in rows}

    d1 = people(unit_id=org.d1.id)
    # best valid certified: a2 -> 3 (its 5 expired), a3 -> none (placement), a4 -> 4, a6 -> none (future);
    # s1 is of D1's sub-unit, which a unit's filter takes in (as /staff?unit= does).
    assert d1 == {"a1": 4, "a2": 3, "a3": None, "a4": 4, "a5": None, "a6": None, "t1": 5, "r1": 5, "b1": 4,
                  "b2": 2, "b3": 6, "s1": 4}
    assert people(unit_id=org.sub.id) == {"s1": 4}
    assert people(unit_id=org.d1.id, in_scope=True).keys() == d1.keys() - {"t1", "r1"}
    assert set(people(in_scope=False)) == {"t1", "r1", "e1", "p1"}
    assert set(people(unit_id=org.d1.id, under_40=True)) == {"a1", "a2"}
    assert set(people(category="public_employee", is_leader=True)) == {"b1", "c4"}
    assert set(people(leadership_role="department_head")) == {"a4"}
    assert people(group="central_sector_union", min_level=4) == {"c1": 4, "c5": 4}
    assert people(language="fr") == {"c5": 4}
    assert people(unit_id=org.d1.id, basis="external") == {"b3": 6, "a4": 4}
    assert set(people(level=5)) == {"t1", "r1", "e1", "p1"}


def test_people_levels_for_unit_hr_stay_in_its_units(db_session, org):
    unit_hr = Actor(id=5, roles=frozenset({Role.HR}), unit_id=org.d2.id)
    rows = list_people_levels(db_session, actor=unit_hr, filters=PeopleFilter(), as_of=AS_OF)
    assert {row.unit_id for row in rows} == {org.d2.id}
    with pytest.raises(PermissionDenied):
        list_people_levels(db_session, actor=unit_hr, filters=PeopleFilter(unit_id=org.d1.id), as_of=AS_OF)


def test_a_sub_unit_of_ban_doi_ngoai_is_out_of_scope_like_the_department_itself(db_session, org):
    """targets.yaml excludes unit 88 for Plan 320; the external-relations rule covers the units below it too,
    so a sub-unit's people are neither counted by the report nor listed as in scope."""
    below = Unit(code="88-1", name="Phòng Hợp tác quốc tế", group="vgcl_department", parent_id=org.ext.id)
    db_session.add(below)
    db_session.flush()
    db_session.add(StaffMember(full_name="Person x1", unit_id=below.id, category="civil_servant"))
    db_session.flush()
    report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF)
    assert "88-1" not in {row.unit for row in report.rows}
    assert _figures(report, "ALL")["civil_servant"][:2] == (7, 3)  # as without the sub-unit
    rows = list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(in_scope=False), as_of=AS_OF)
    assert {row.full_name for row in rows} == {"Person t1", "Person r1", "Person e1", "Person p1", "Person x1"}


@pytest.mark.parametrize("as_of", [date(1, 1, 1), date(40, 6, 1), date(1899, 12, 31), date(9999, 12, 31)])
def test_a_day_the_report_cannot_measure_is_refused_naming_as_of(db_session, org, as_of):
    with pytest.raises(RuleViolation) as refused:
        compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=as_of)
    assert refused.value.field == "as_of"
    with pytest.raises(RuleViolation):
        list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(), as_of=as_of)


def test_a_language_filter_that_is_not_a_code_is_refused_rather_than_matching_nobody(db_session, org):
    with pytest.raises(RuleViolation) as refused:
        compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF, language="english")
    assert refused.value.field == "language"
    with pytest.raises(RuleViolation):
        list_people_levels(db_session, actor=ORG_HR, filters=PeopleFilter(language="English"), as_of=AS_OF)


def test_days_are_the_centres_calendar_days(db_session, org):
    """A level awarded at 18:00 UTC on 23 November is awarded on the 24th in Vietnam, as its certificate says."""
    a5 = org.staff["a5"]
    db_session.add(AssessedLevel(user_id=a5.user_id, level=4, basis="certification",
                                 awarded_at=datetime(2026, 11, 23, 18, 0, tzinfo=UTC)))
    db_session.flush()
    on_the_23rd = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=date(2026, 11, 23))
    on_the_24th = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=date(2026, 11, 24))
    assert _figures(on_the_23rd, org.d1.code)["civil_servant"][:2] == (6, 2)
    assert _figures(on_the_24th, org.d1.code)["civil_servant"][:2] == (6, 3)


def test_add_months_clips_to_the_end_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 23), -12) == date(2025, 11, 23)
    assert add_months(date(2024, 2, 29), -12 * 40) == date(1984, 2, 29)


def test_add_months_past_the_years_a_date_holds_is_an_overflow_not_an_assertion():
    assert add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(OverflowError):
        add_months(date(1, 1, 1), -1)


def test_a_projection_past_year_9999_is_never_at_this_rate():
    # a gap of ~10,000 people at one person a year today: month 120,000 from now has no date
    row = ComplianceRow.build(unit="ALL", unit_name="ALL", group="ALL", cohort="civil_servant", in_scope=20000,
                              at_or_above=1, target=Decimal("0.5"), recent=1, as_of=date(2026, 11, 25),
                              deadline=date(2030, 12, 31), months=12)
    assert (row.gap_people, row.projection, row.on_track) == (9999, NEVER, False)
    near = ComplianceRow.build(unit="ALL", unit_name="ALL", group="ALL", cohort="civil_servant", in_scope=2,
                               at_or_above=0, target=Decimal("0.5"), recent=1, as_of=date(9998, 12, 31),
                               deadline=date(2030, 12, 31), months=12)
    assert (near.projection, near.on_track) == ("9999-12", False)


def test_the_report_is_three_queries_whatever_the_number_of_people(db_session, org):
    with statements_run(db_session.get_bind().engine) as statements:
        compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=AS_OF)
    # the units, one GROUP BY over people and levels, then the people whose leadership role is off the ladder
    assert len(statements) == 3


def test_a_renewal_is_no_gain_but_a_level_regained_after_a_lapse_is(db_session, factory):
    """``recent`` counts who reached the level within the 12 months: at it on the as-of day and not on the window's
    first day. Before, it took the first award among the levels valid on the as-of day, so a certificate renewed
    while the old one ran counted as a newcomer and pulled the projection in."""
    unit = factory.unit("vgcl_department")

    def person(levels):
        user = factory.user("candidate", unit=unit)
        db_session.add(StaffMember(full_name=f"P{user.id}", unit_id=unit.id, category="public_employee",
                                   user_id=user.id))
        for awarded, valid_until in levels:
            db_session.add(AssessedLevel(user_id=user.id, level=4, basis="certification", language="en",
                                         awarded_at=datetime.fromisoformat(awarded).replace(tzinfo=UTC),
                                         valid_until=valid_until))

    person([("2019-03-01", date(2025, 7, 1)), ("2025-06-01", None)])  # renewed before the old one ran out
    person([("2024-12-31", None)])  # held on the window's first day (2024-12-31): reached before the window
    person([("2019-03-01", date(2023, 1, 1)), ("2025-03-01", None)])  # lapsed, then regained within it
    person([("2025-01-01", None)])  # reached on the window's second day
    person([("2025-02-01", date(2025, 10, 1))])  # reached within it, lapsed again by the as-of day
    for _ in range(5):
        person([])
    db_session.flush()
    report = compliance_report(db_session, actor=ORG_HR, deadline=DEADLINE, as_of=date(2025, 12, 31))
    row = next(row for row in report.rows if row.unit == unit.code and row.cohort == "public_employee")
    assert (row.in_scope, row.at_or_above, row.recent) == (10, 4, 2)
