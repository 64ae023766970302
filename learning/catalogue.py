"""The course catalogue and its offerings (cohorts with dates and seats)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from core.languages import LANGUAGE_CODE
from learning import training_policies as policies
from learning.training_models import SEATED, Course, CourseKind, CourseOffering, Enrolment, PathStep

MAX_LEVEL = 6


@dataclass(slots=True)
class CourseDraft:
    code: str
    title: str
    hours: int
    capacity: int
    kind: str = CourseKind.LANGUAGE
    language: str | None = None
    from_level: int | None = None
    to_level: int | None = None
    skill_focus: list[str] = field(default_factory=list)
    format: str = "classroom"
    provider: str = ""
    prerequisites: list[str] = field(default_factory=list)


def _check_course(session: Session, values: dict[str, Any], *, code: str) -> None:
    language = values.get("language")
    if language is not None and not (isinstance(language, str) and LANGUAGE_CODE.fullmatch(language)):
        # as positions say it: the planner matches a course to a position's language by this code alone
        raise RuleViolation("a language is a lower-case ISO 639 code such as en", field="language")
    if values["kind"] == CourseKind.LANGUAGE:
        for name in ("language", "from_level", "to_level"):
            if values.get(name) is None:
                raise RuleViolation("a language course needs its language and its level band", field=name)
        if not 0 <= values["from_level"] < values["to_level"] <= MAX_LEVEL:
            raise RuleViolation("the band runs upwards, from level 0 (no level) to at most 6", field="to_level")
    elif any(values.get(name) is not None for name in ("from_level", "to_level")):
        raise RuleViolation("only language courses have a level band", field="from_level")
    if code in values["prerequisites"]:
        raise RuleViolation("a course cannot be its own prerequisite", field="prerequisites")
    if values["prerequisites"]:
        known = set(session.scalars(select(Course.code).where(Course.code.in_(values["prerequisites"]))))
        unknown = [p for p in values["prerequisites"] if p not in known]
        if unknown:
            raise RuleViolation(f"unknown prerequisite course {unknown[0]!r}", field="prerequisites")
        chain = _chain_back_to(session, code, values["prerequisites"])
        if chain:
            raise RuleViolation(f"prerequisites would form a cycle: {' -> '.join(chain)}", field="prerequisites")


def _chain_back_to(session: Session, code: str, prerequisites: list[str]) -> list[str]:
    """A chain of prerequisites from ``code``, through one of ``prerequisites`` (its new ones), back to
    ``code``; empty when there is none. A cycle would leave no course of it to take first: every path over it
    fails to plan, and the sweep with it (learning.planner)."""
    needs = {course: list(required or []) for course, required in session.execute(
        select(Course.code, Course.prerequisites))}
    needs[code] = list(prerequisites)
    came_from: dict[str, str] = {}
    stack = [code]
    while stack:  # depth-first from the course over what it needs; the catalogue is small
        current = stack.pop()
        for required in needs.get(current, ()):
            if required == code:
                back = [current]
                while back[-1] != code:
                    back.append(came_from[back[-1]])
                return [*reversed(back), code]
            if required not in came_from:
                came_from[required] = current
                stack.append(required)
    return []


def require_catalogue_keeper(actor: Actor) -> None:
    if not policies.can_manage_catalogue(actor):
        raise PermissionDenied("the course catalogue is shared by every unit: organisation-wide HR and admins keep it")


def create_course(session: Session, *, actor: Actor, draft: CourseDraft) -> Course:
    """Add a course. Raises PermissionDenied, RuleViolation, Conflict (code taken)."""
    require_catalogue_keeper(actor)
    values = asdict(draft)
    _check_course(session, values, code=draft.code)
    if session.scalar(select(Course.id).where(Course.code == draft.code)) is not None:
        raise Conflict(f"a course with code {draft.code!r} exists", field="code")
    course = Course(**values)
    session.add(course)
    session.flush()
    audit.record(session, actor=actor, action="course.created", entity_type="course", entity_id=course.id,
                 code=course.code)
    return course


def get_course(session: Session, course_id: int) -> Course:
    """Raises NotFound."""
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(f"course {course_id} does not exist", field="course_id")
    return course


def update_course(session: Session, *, actor: Actor, course_id: int, changes: dict[str, Any]) -> Course:
    """Change a course's fields (not its code). Raises PermissionDenied, NotFound, RuleViolation."""
    require_catalogue_keeper(actor)
    course = get_course(session, course_id)
    names = ("title", "kind", "language", "from_level", "to_level", "skill_focus", "hours", "format", "provider",
             "capacity", "prerequisites")
    values = {name: getattr(course, name) for name in names} | changes
    _check_course(session, values, code=course.code)
    for name, value in changes.items():
        setattr(course, name, value)
    audit.record(session, actor=actor, action="course.updated", entity_type="course", entity_id=course.id,
                 fields=sorted(changes))
    return course


def delete_course(session: Session, *, actor: Actor, course_id: int) -> None:
    """Remove a course that has no offerings, is no prerequisite and is a step of no learning path. Raises
    PermissionDenied, NotFound, Conflict."""
    require_catalogue_keeper(actor)
    course = get_course(session, course_id)
    if course.offerings:
        raise Conflict("the course has offerings; it stays in the catalogue", field="course_id")
    paths = session.scalar(select(func.count(PathStep.path_id.distinct())).where(PathStep.course_id == course_id))
    if paths:  # the steps keep it (RESTRICT): checked here, so the refusal says why rather than at commit
        raise Conflict(f"course {course.code} is a step of {paths} learning path{'s' if paths != 1 else ''}; "
                       "it stays in the catalogue", field="course_id", paths=paths)
    needed_by = [c.code for c in session.scalars(select(Course)) if course.code in (c.prerequisites or [])]
    if needed_by:
        raise Conflict(f"course {needed_by[0]} needs this one as a prerequisite", field="course_id")
    session.delete(course)
    audit.record(session, actor=actor, action="course.deleted", entity_type="course", entity_id=course_id,
                 code=course.code)


def list_courses(session: Session, *, kind: str | None = None, language: str | None = None) -> list[Course]:
    query = select(Course).order_by(Course.kind, Course.language, Course.from_level, Course.code)
    if kind is not None:
        query = query.where(Course.kind == kind)
    if language is not None:
        query = query.where(Course.language == language)
    return list(session.scalars(query))


def check_start(starts_on: date) -> None:
    """A cohort is scheduled to start on the centre's today or later: one starting before it would have started
    already (``CourseOffering.has_started``), closed to enrolment and to planning. Raises RuleViolation."""
    today = clock.day_in_vietnam()
    if starts_on < today:
        raise RuleViolation(f"a cohort cannot start on {starts_on.isoformat()}, before today ({today.isoformat()} "
                            "in Vietnam)", field="starts_on")


def create_offering(session: Session, *, actor: Actor, course_id: int, starts_on: date, ends_on: date,
                    seats: int | None = None, venue: str = "") -> CourseOffering:
    """Schedule a cohort of a course (seats default to the course's capacity). Raises RuleViolation (it starts
    before today or ends before it starts)."""
    require_catalogue_keeper(actor)
    course = get_course(session, course_id)
    check_start(starts_on)
    if ends_on < starts_on:
        raise RuleViolation("a cohort ends on or after the day it starts", field="ends_on")
    offering = CourseOffering(course_id=course.id, starts_on=starts_on, ends_on=ends_on,
                              seats=seats or course.capacity, venue=venue)
    session.add(offering)
    session.flush()
    audit.record(session, actor=actor, action="offering.created", entity_type="course_offering",
                 entity_id=offering.id, course_id=course.id)
    return offering


def get_offering(session: Session, offering_id: int, *, for_update: bool = False) -> CourseOffering:
    """Raises NotFound. ``for_update`` locks the row (PostgreSQL), so enrolments take turns for the seats."""
    offering = session.get(CourseOffering, offering_id, with_for_update=for_update, populate_existing=for_update)
    if offering is None:
        raise NotFound(f"offering {offering_id} does not exist", field="offering_id")
    return offering


def list_offerings(session: Session, *, course_id: int) -> list[CourseOffering]:
    get_course(session, course_id)
    return list(session.scalars(select(CourseOffering).where(CourseOffering.course_id == course_id)
                                .order_by(CourseOffering.starts_on, CourseOffering.id)))


def seats_taken(session: Session, offering_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.offering_id == offering_id, Enrolment.status.in_(SEATED))) or 0


def seats_taken_by_offering(session: Session, offering_ids: list[int]) -> dict[int, int]:
    if not offering_ids:
        return {}
    rows = session.execute(select(Enrolment.offering_id, func.count()).where(
        Enrolment.offering_id.in_(offering_ids), Enrolment.status.in_(SEATED)).group_by(Enrolment.offering_id))
    return {offering_id: count for offering_id, count in rows}
