"""What a person's learning path would be planned as now, over today's catalogue and their seats, and whether a
stored path is out of date with them: reads only; learning.paths plans, stores and refreshes paths with these."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager

from core import clock
from learning import catalogue, external_relations, planner
from learning.models import StaffMember
from learning.training_models import (
    SEATED,
    Course,
    CourseKind,
    CourseOffering,
    Enrolment,
    LearningPath,
    PathStatus,
    StepStatus,
)


def plan_steps(session: Session, staff_id: int, *, language: str, current: int, required: int,
                deadline: date | None, skill_profile: dict[str, float], external: bool, done_on_path: set[int],
                today: date) -> tuple[planner.Plan, list[dict]]:
    """The plan for these inputs over today's catalogue and seats, and the steps it gives a path (their
    ``PathStep`` fields): the completed steps the path held that the plan still covers, then the plan's.
    Reads only. Raises planner.PlanningError."""
    completed, held = seats_held(session, staff_id)
    courses = list(session.scalars(select(Course).where(
        or_(Course.language == language, Course.kind != CourseKind.LANGUAGE))))
    offerings = list(session.scalars(select(CourseOffering).where(
        CourseOffering.course_id.in_([c.id for c in courses]), ~CourseOffering.has_started(today),
        CourseOffering.cancelled_at.is_(None))))
    taken = catalogue.seats_taken_by_offering(session, [o.id for o in offerings])
    by_id = {c.id: c for c in courses}
    kinds = external_relations.ExternalRelationsRule.load().course_kinds
    extra = [c.code for c in courses if c.kind in kinds] if external else []
    plan = planner.plan_path(
        current_level=current, required_level=required, start=today, deadline=deadline,
        skill_profile=skill_profile, completed=set(completed), courses=[_course_spec(c) for c in courses],
        offerings=[planner.OfferingSpec(o.id, by_id[o.course_id].code, o.starts_on, o.ends_on,
                                        o.seats - taken.get(o.id, 0)) for o in offerings],
        held={code: _offering_spec(e.offering) for code, e in held.items()}, extra_courses=extra)
    code_to_course = {c.code: c for c in courses}
    done = sorted((completed[code] for code in plan.completed if completed[code].id in done_on_path),
                  key=lambda e: (e.completed_at or e.enrolled_at, e.id))
    rows = [dict(course_id=e.offering.course_id, offering_id=e.offering_id, starts_on=e.offering.starts_on,
                 ends_on=e.offering.ends_on, enrolment_id=e.id, status=StepStatus.COMPLETED, progress=100)
            for e in done]  # the steps already done on this path, if the new plan still needs them
    for step in plan.steps:
        enrolment = held.get(step.course_code)
        rows.append(dict(course_id=code_to_course[step.course_code].id, offering_id=step.offering_id,
                         starts_on=step.starts_on, ends_on=step.ends_on,
                         enrolment_id=enrolment.id if enrolment else None,
                         status=enrolment.status if enrolment else StepStatus.PLANNED,
                         progress=enrolment.progress if enrolment else 0))
    return plan, rows


def seats_held(session: Session, staff_id: int) -> tuple[dict[str, Enrolment], dict[str, Enrolment]]:
    """The person's completed enrolments and the seats they hold (enrolled, in progress), by course code.

    A course completed more than once counts its latest completion; a course completed is not held.
    """
    enrolments = list(session.scalars(select(Enrolment).join(Enrolment.offering).join(CourseOffering.course)
                                      .options(contains_eager(Enrolment.offering).contains_eager(CourseOffering.course))
                                      .where(Enrolment.staff_member_id == staff_id, Enrolment.status.in_(SEATED))
                                      .order_by(Enrolment.id)))
    completed = {e.offering.course.code: e for e in enrolments if e.status == StepStatus.COMPLETED}
    held = {e.offering.course.code: e for e in enrolments
            if e.status != StepStatus.COMPLETED and e.offering.course.code not in completed}
    return completed, held


def steps_out_of_date(session: Session, staff: StaffMember, path: LearningPath) -> bool:
    """True when the path's steps no longer match the person's seats (a seat taken, moved or dropped since
    it was planned), break their own order (a planned step starting before the step ahead of it ends), or
    plan a course in an offering the person can no longer join (full, started or cancelled since)."""
    completed, held = seats_held(session, staff.id)
    seats = {e.offering.course_id: e for e in (*completed.values(), *held.values())}
    closed = _closed_offerings(session, [step.offering_id for step in path.steps
                                         if step.offering_id is not None and step.course_id not in seats])
    previous_end: date | None = None
    for step in path.steps:
        seat = seats.get(step.course_id)
        if seat is not None:  # a seat held stays, even in an offering that has started or filled up since
            if (step.enrolment_id, step.offering_id, step.status, step.starts_on, step.ends_on) != (
                    seat.id, seat.offering_id, seat.status, seat.offering.starts_on, seat.offering.ends_on):
                return True
        elif step.enrolment_id is not None or step.status != StepStatus.PLANNED:
            return True  # the seat it counted on was dropped
        elif step.offering_id in closed or (  # can no longer be joined, or starts before the step ahead ends
                previous_end is not None and step.starts_on is not None and step.starts_on <= previous_end):
            return True
        if step.ends_on is not None and step.status != StepStatus.COMPLETED:
            previous_end = max(previous_end, step.ends_on) if previous_end else step.ends_on
    return False


def catalogue_moved_on(session: Session, staff: StaffMember, path: LearningPath, today: date) -> bool:
    """True when planning the path again from what it rests on (its level, target, deadline, skill profile)
    would give other courses, in another order, or another verdict; or would find an offering for a step that
    has none, or none for a step that has one. So a course added, re-banded, moved to another language or
    given new prerequisites, or a first offering scheduled for a course that had none, reaches the path; an
    offering it plans that can still be joined is kept even when a better one appears. A ``no_course`` path is
    re-planned when what it lacks changed (its reason names the bands and courses missing, no dates)."""
    if path.status == PathStatus.CLOSED:
        return False  # re-planned, or kept closed, by the checks before this one
    done_on_path = {step.enrolment_id for step in path.steps if step.status == StepStatus.COMPLETED}
    try:
        plan, rows = plan_steps(session, staff.id, language=path.language, current=path.current_level,
                                 required=path.target_level, deadline=path.deadline,
                                 skill_profile=path.skill_profile or {}, external=path.external_relations,
                                 done_on_path=done_on_path, today=today)
    except planner.PlanningError:
        return False  # re-planning would fail too: the path stays as last planned
    if plan.verdict != path.verdict:
        return True
    if [(row["course_id"], row["offering_id"] is None) for row in rows] != [
            (step.course_id, step.offering_id is None) for step in path.steps]:
        return True
    return plan.verdict == planner.NO_COURSE and plan.reason != path.reason


def _closed_offerings(session: Session, offering_ids: list[int]) -> set[int]:
    """Those of the offerings a planned step could no longer take a seat in, as planning sees them: started
    (``CourseOffering.has_started``, as enrolment sees it too), cancelled, or with every seat taken."""
    if not offering_ids:
        return set()
    offerings = list(session.scalars(select(CourseOffering).where(CourseOffering.id.in_(set(offering_ids)))))
    taken = catalogue.seats_taken_by_offering(session, [o.id for o in offerings])
    today = clock.day_in_vietnam()
    return {o.id for o in offerings
            if o.has_started(today) or o.cancelled_at is not None or taken.get(o.id, 0) >= o.seats}


def _course_spec(course: Course) -> planner.CourseSpec:
    return planner.CourseSpec(code=course.code, from_level=course.from_level, to_level=course.to_level,
                              skill_focus=tuple(course.skill_focus or ()), hours=course.hours,
                              prerequisites=tuple(course.prerequisites or ()),
                              language=course.kind == CourseKind.LANGUAGE)


def _offering_spec(offering: CourseOffering) -> planner.OfferingSpec:
    return planner.OfferingSpec(offering.id, offering.course.code, offering.starts_on, offering.ends_on, 1)
