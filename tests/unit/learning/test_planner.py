"""The pure planner: orders checked by hand against the rules in learning.planner's docstring."""

from __future__ import annotations

from datetime import date

import pytest

from learning.planner import (
    CANNOT_MEET_DEADLINE,
    NO_COURSE,
    NO_GAP,
    NO_OFFERING,
    ON_TRACK,
    CourseSpec,
    OfferingSpec,
    PlanningError,
    plan_path,
)

START = date(2027, 1, 1)
# listening strongest, writing weakest; the mean (4.5) stands for a course with no skill focus.
PROFILE = {"listening": 6.0, "reading": 5.0, "writing": 3.0, "speaking": 4.0}


def course(code: str, band: tuple[int, int], *skills: str, needs: tuple[str, ...] = ()) -> CourseSpec:
    return CourseSpec(code=code, from_level=band[0], to_level=band[1], skill_focus=skills, hours=40,
                      prerequisites=needs)


def catalogue(**needs: tuple[str, ...]) -> list[CourseSpec]:
    return [
        course("E23-L", (2, 3), "listening", needs=needs.get("E23_L", ())),
        course("E23-W", (2, 3), "writing", needs=needs.get("E23_W", ())),
        course("E23-G", (2, 3), needs=needs.get("E23_G", ())),
        course("E34-S", (3, 4), "speaking", needs=needs.get("E34_S", ())),
        course("E34-R", (3, 4), "reading", needs=needs.get("E34_R", ())),
        course("E34-W", (3, 4), "writing", needs=needs.get("E34_W", ())),
        course("E45-G", (4, 5)),
    ]


def monthly(courses: list[CourseSpec], *, seats: int = 5) -> list[OfferingSpec]:
    """Every course starts on the 1st of each month of 2027 and ends on the 20th."""
    offerings = []
    for index, spec in enumerate(courses):
        for month in range(1, 13):
            offerings.append(OfferingSpec(index * 100 + month, spec.code, date(2027, month, 1),
                                          date(2027, month, 20), seats))
    return offerings


def codes(plan) -> list[str]:
    return [step.course_code for step in plan.steps]


def test_a_level_2_learner_goes_band_by_band_weakest_skill_first():
    courses = catalogue()
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE)
    # 2->3: writing 3.0 < general 4.5 < listening 6.0; 3->4: writing 3.0 < speaking 4.0 < reading 5.0.
    assert codes(plan) == ["E23-W", "E23-G", "E23-L", "E34-W", "E34-S", "E34-R"]
    assert [step.band for step in plan.steps] == [(2, 3)] * 3 + [(3, 4)] * 3
    assert plan.verdict == ON_TRACK
    # One step a month, each starting after the previous one ended: January to June.
    assert [step.starts_on.month for step in plan.steps] == [1, 2, 3, 4, 5, 6]
    assert plan.earliest_finish == date(2027, 6, 20)


def test_without_a_profile_every_skill_counts_the_same_and_codes_break_ties():
    courses = catalogue()
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START)
    assert codes(plan) == ["E23-G", "E23-L", "E23-W", "E34-R", "E34-S", "E34-W"]


def test_a_skill_missing_from_the_profile_counts_as_the_profile_mean():
    courses = catalogue()
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile={"reading": 2.0, "writing": 8.0})  # speaking unknown: the mean, 5.0
    assert codes(plan) == ["E34-R", "E34-S", "E34-W"]


def test_prerequisites_come_first_even_against_the_weakness_order():
    courses = catalogue(E23_W=("E23-L",))
    plan = plan_path(current_level=2, required_level=3, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE)
    # Writing is weakest but needs listening: general (4.5) is free first, then listening, then writing.
    assert codes(plan) == ["E23-G", "E23-L", "E23-W"]


def test_a_prerequisite_outside_the_gap_is_pulled_in_unless_completed():
    courses = catalogue(E34_S=("E23-L",))
    offerings = monthly(courses)
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=offerings, start=START,
                     skill_profile=PROFILE)
    assert codes(plan) == ["E23-L", "E34-W", "E34-S", "E34-R"]
    assert plan.steps[0].band is None
    done = plan_path(current_level=3, required_level=4, courses=courses, offerings=offerings, start=START,
                     skill_profile=PROFILE, completed={"E23-L"})
    assert codes(done) == ["E34-W", "E34-S", "E34-R"]


def test_completed_courses_are_skipped():
    courses = catalogue()
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE, completed={"E23-W", "E34-S"})
    assert codes(plan) == ["E23-G", "E23-L", "E34-W", "E34-R"]


def test_full_offerings_are_passed_over_and_a_step_starts_only_after_the_previous_one_ends():
    courses = [course("A", (2, 3)), course("B", (2, 3))]
    offerings = [
        OfferingSpec(1, "A", date(2027, 1, 1), date(2027, 1, 31), seats_left=0),  # full
        OfferingSpec(2, "A", date(2027, 2, 1), date(2027, 2, 28), seats_left=1),
        OfferingSpec(3, "B", date(2027, 2, 28), date(2027, 3, 20), seats_left=9),  # starts the day A ends
        OfferingSpec(4, "B", date(2027, 3, 1), date(2027, 4, 30), seats_left=9),
        OfferingSpec(5, "B", date(2027, 3, 10), date(2027, 3, 31), seats_left=9),  # later start, earlier end
    ]
    plan = plan_path(current_level=2, required_level=3, courses=courses, offerings=offerings, start=START)
    assert [(s.course_code, s.offering_id) for s in plan.steps] == [("A", 2), ("B", 5)]
    assert plan.earliest_finish == date(2027, 3, 31)


def test_offerings_before_the_start_day_are_not_used():
    courses = [course("A", (2, 3))]
    offerings = [OfferingSpec(1, "A", date(2026, 12, 1), date(2027, 1, 5), 3),
                 OfferingSpec(2, "A", date(2027, 1, 1), date(2027, 1, 25), 3)]
    plan = plan_path(current_level=2, required_level=3, courses=courses, offerings=offerings, start=START)
    assert plan.steps[0].offering_id == 2


def test_a_deadline_that_cannot_be_met_is_said_with_the_earliest_finish():
    courses = catalogue()
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE, deadline=date(2027, 4, 30))
    assert plan.verdict == CANNOT_MEET_DEADLINE
    assert plan.earliest_finish == date(2027, 6, 20)
    assert "2027-04-30" in plan.reason
    assert "2027-06-20" in plan.reason
    met = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                    skill_profile=PROFILE, deadline=date(2027, 6, 20))
    assert met.verdict == ON_TRACK


def test_a_band_without_courses_is_named():
    courses = catalogue()
    plan = plan_path(current_level=4, required_level=6, courses=courses, offerings=monthly(courses), start=START)
    assert plan.verdict == NO_COURSE
    assert "from level 5 to 6" in plan.reason
    assert plan.steps == ()


def test_an_unknown_prerequisite_is_named():
    courses = catalogue(E34_R=("X-99",))
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START)
    assert plan.verdict == NO_COURSE
    assert "X-99" in plan.reason


def test_a_course_without_a_usable_offering_is_named():
    courses = [course("A", (2, 3)), course("B", (2, 3))]
    offerings = [OfferingSpec(1, "A", date(2027, 1, 1), date(2027, 1, 31), 2)]
    plan = plan_path(current_level=2, required_level=3, courses=courses, offerings=offerings, start=START)
    assert plan.verdict == NO_OFFERING
    assert "course B" in plan.reason
    assert [(s.course_code, s.offering_id) for s in plan.steps] == [("A", 1), ("B", None)]


def test_a_held_seat_keeps_its_offering():
    courses = [course("A", (2, 3)), course("B", (2, 3))]
    held = OfferingSpec(7, "B", date(2027, 5, 1), date(2027, 5, 31), 0)
    offerings = [OfferingSpec(1, "A", date(2027, 1, 1), date(2027, 1, 31), 2), held]
    plan = plan_path(current_level=2, required_level=3, courses=courses, offerings=offerings, start=START,
                     held={"B": held})
    assert [(s.course_code, s.offering_id) for s in plan.steps] == [("A", 1), ("B", 7)]


def test_the_steps_after_a_held_seat_start_after_it_ends():
    courses = catalogue(E34_S=("E34-R",))
    held = {"E34-R": OfferingSpec(303, "E34-R", date(2027, 3, 1), date(2027, 3, 20), 0)}
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE, held=held, deadline=date(2027, 4, 30))
    # writing is weakest, so E34-W comes first (January); the held reading seat (March) then speaking (April)
    assert [(s.course_code, s.starts_on.month) for s in plan.steps] == [("E34-W", 1), ("E34-R", 3), ("E34-S", 4)]
    assert (plan.verdict, plan.earliest_finish) == (ON_TRACK, date(2027, 4, 20))


def test_a_prerequisite_ends_before_the_held_seat_that_needs_it_or_the_plan_says_why():
    courses = catalogue(E34_S=("E34-R",))
    held = {"E34-S": OfferingSpec(403, "E34-S", date(2027, 3, 1), date(2027, 3, 20), 0)}
    plan = plan_path(current_level=3, required_level=4, courses=[c for c in courses if c.code != "E34-W"],
                     offerings=monthly(courses), start=START, held=held)
    assert [(s.course_code, s.starts_on.month) for s in plan.steps] == [("E34-R", 1), ("E34-S", 3)]
    assert plan.verdict == ON_TRACK
    only_march = [o for o in monthly(courses) if o.course_code != "E34-R" or o.starts_on.month >= 3]
    stuck = plan_path(current_level=3, required_level=4, courses=[c for c in courses if c.code != "E34-W"],
                      offerings=only_march, start=START, held=held)
    assert stuck.verdict == NO_OFFERING
    assert "course E34-R has no offering with a free seat starting from 2027-01-01 and ending before the seat " \
           "in E34-S starts (2027-03-01)" in stuck.reason


def test_two_held_seats_out_of_prerequisite_order_are_a_problem():
    courses = [c for c in catalogue(E34_S=("E34-R",)) if c.code in ("E34-R", "E34-S")]
    held = {"E34-R": OfferingSpec(304, "E34-R", date(2027, 4, 1), date(2027, 4, 20), 0),
            "E34-S": OfferingSpec(403, "E34-S", date(2027, 3, 1), date(2027, 3, 20), 0)}
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=[], start=START, held=held)
    assert plan.verdict == NO_OFFERING
    assert plan.reason == "the seat in E34-S starts on 2027-03-01, before its prerequisite E34-R ends (2027-04-20)"


def test_completed_courses_are_not_scheduled_but_named():
    courses = catalogue(E34_S=("E23-G",))
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     completed={"E34-W", "E23-G", "E45-G"})
    assert codes(plan) == ["E34-R", "E34-S"]
    assert plan.completed == ("E23-G", "E34-W")  # E23-G: a prerequisite on the path; E45-G: beyond the gap


def test_non_language_courses_never_fill_a_band():
    courses = [CourseSpec("PRO-1", 2, 3, language=False), course("A", (2, 3))]
    plan = plan_path(current_level=2, required_level=3, courses=courses,
                     offerings=monthly(courses), start=START)
    assert codes(plan) == ["A"]


def test_no_gap_no_steps():
    plan = plan_path(current_level=4, required_level=4, courses=catalogue(), offerings=[], start=START)
    assert plan.verdict == NO_GAP
    assert plan.steps == ()


def test_a_prerequisite_cycle_is_an_error():
    courses = catalogue(E23_L=("E23-W",), E23_W=("E23-L",))
    with pytest.raises(PlanningError, match="cycle"):
        plan_path(current_level=2, required_level=3, courses=courses, offerings=monthly(courses), start=START)


# --- rule 6: the non-language courses of external-relations staff's own plan ----------------------------------

def other(code: str, *, needs: tuple[str, ...] = ()) -> CourseSpec:
    return CourseSpec(code=code, from_level=None, to_level=None, hours=20, prerequisites=needs, language=False)


def test_extra_courses_come_after_every_language_step_prerequisites_first():
    courses = [*catalogue(), other("PRO-B"), other("EA-A", needs=("PRO-B",)), other("PRO-C")]
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE, extra_courses=["EA-A", "PRO-B", "PRO-C"])
    assert codes(plan) == ["E23-W", "E23-G", "E23-L", "E34-W", "E34-S", "E34-R", "PRO-B", "EA-A", "PRO-C"]
    assert plan.verdict == ON_TRACK
    assert [step.band for step in plan.steps[-3:]] == [None, None, None]
    assert plan.earliest_finish == date(2027, 9, 20)


def test_without_extra_courses_non_language_courses_stay_out():
    courses = [*catalogue(), other("PRO-B")]
    plan = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START)
    assert "PRO-B" not in codes(plan)


def test_extra_courses_alone_when_the_level_is_met_and_completed_ones_are_skipped():
    courses = [*catalogue(), other("PRO-B"), other("EA-A")]
    plan = plan_path(current_level=4, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     completed=["PRO-B"], extra_courses=["EA-A", "PRO-B"])
    assert (codes(plan), plan.verdict) == (["EA-A"], ON_TRACK)
    nothing_left = plan_path(current_level=4, required_level=4, courses=courses, offerings=monthly(courses),
                             start=START, completed=["PRO-B", "EA-A"], extra_courses=["EA-A", "PRO-B"])
    assert nothing_left.verdict == NO_GAP


def test_extra_courses_count_against_the_deadline_and_need_offerings():
    courses = [*catalogue(), other("PRO-B")]
    late = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     deadline=date(2027, 3, 31), extra_courses=["PRO-B"])
    assert (late.verdict, late.earliest_finish) == (CANNOT_MEET_DEADLINE, date(2027, 4, 20))
    unoffered = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(catalogue()),
                          start=START, extra_courses=["PRO-B"])
    assert unoffered.verdict == NO_OFFERING
    unknown = plan_path(current_level=3, required_level=4, courses=courses, offerings=monthly(courses),
                        start=START, extra_courses=["PRO-Z"])
    assert unknown.verdict == NO_COURSE


def test_a_course_spanning_two_levels_covers_each_band_inside_the_gap_and_no_band_outside_it():
    intensive = course("E24", (2, 4), "writing")
    plan = plan_path(current_level=2, required_level=4, courses=[intensive], offerings=monthly([intensive]),
                     start=START)
    assert (codes(plan), plan.verdict) == (["E24"], ON_TRACK)
    assert plan.steps[0].band == (2, 4)
    # Beside single-level courses it is one more course of its first band (rule 2: weakest skill first).
    courses = [*catalogue(), intensive]
    plan = plan_path(current_level=2, required_level=4, courses=courses, offerings=monthly(courses), start=START,
                     skill_profile=PROFILE)
    assert codes(plan) == ["E23-W", "E24", "E23-G", "E23-L", "E34-W", "E34-S", "E34-R"]
    # Starting below the learner's level or ending above the requirement, it is not taken for a band.
    for current, required in ((3, 4), (2, 3), (1, 4)):
        plan = plan_path(current_level=current, required_level=required, courses=[intensive],
                         offerings=monthly([intensive]), start=START)
        assert (codes(plan), plan.verdict) == ([], NO_COURSE), (current, required)
    plan = plan_path(current_level=1, required_level=4, courses=[intensive], offerings=monthly([intensive]),
                     start=START)
    assert plan.reason == "no course takes a learner from level 1 to 2"
    # Completed, it counts as covering its bands and is not scheduled again.
    plan = plan_path(current_level=2, required_level=4, courses=[intensive], offerings=monthly([intensive]),
                     start=START, completed={"E24"})
    assert (plan.steps, plan.verdict, plan.completed) == ((), ON_TRACK, ("E24",))
