"""Enrolments: a person takes a seat in a course offering, reports progress, drops it; HR records completion.

Seats are fixed points of the person's learning path: taking or dropping one re-plans the path around the seats
held (learning.paths). One seat per course, a prerequisite's seat ends before the course needing it starts,
and no new seat once the offering has started.
Completion is the training side's record: HR of the person's unit (or above) and admins complete an enrolment,
not before its offering starts; the person reports progress (``training_policies.can_confirm_completion``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from learning import catalogue, organisation, path_plans, paths
from learning import training_policies as policies
from learning.models import StaffMember
from learning.training_models import SEATED, CourseOffering, Enrolment, PathStep, StepStatus


def enrol(session: Session, *, actor: Actor, offering_id: int, staff_id: int) -> Enrolment:
    """Take a seat in an offering (HR in scope, or the person) and re-plan the person's path around it.

    An offering that has started (``CourseOffering.has_started``, the rule planning follows) takes no one, HR's
    late seats included: planning offers no step there, so a late joiner takes a later offering. Seats taken
    before the start stay.
    Raises Conflict when the offering is full, cancelled, started, or the seat would clash with the seats the
    person holds (the same course, or a prerequisite out of order); RuleViolation for a leaver.
    """
    staff = paths.staff_for(session, actor, staff_id, self_allowed=True)
    today = clock.day_in_vietnam()
    if staff.has_left_before(today):
        raise RuleViolation(f"the staff member left on {staff.left_on.isoformat()}: a leaver takes no seat",
                            field="staff_member_id")
    offering = catalogue.get_offering(session, offering_id, for_update=True)
    if offering.cancelled_at is not None:
        raise Conflict("this offering is cancelled; choose another", field="offering_id",
                       reason=offering.cancellation_reason)
    if offering.has_started(today):
        raise Conflict(f"this offering started on {offering.starts_on.isoformat()} and takes no one now; choose a "
                       "later one", field="offering_id", starts_on=offering.starts_on.isoformat())
    enrolment = session.scalar(select(Enrolment).where(Enrolment.offering_id == offering.id,
                                                       Enrolment.staff_member_id == staff.id))
    if enrolment is not None and enrolment.status in SEATED:
        raise Conflict("the staff member is already enrolled in this offering", field="staff_member_id")
    _check_fits_seats_held(session, staff, offering)
    taken = catalogue.seats_taken(session, offering.id)
    if taken >= offering.seats:
        raise Conflict("no seats left in this offering", field="offering_id", seats=offering.seats,
                       seats_taken=taken)
    if enrolment is None:
        enrolment = Enrolment(offering_id=offering.id, staff_member_id=staff.id)
        session.add(enrolment)
    enrolment.status, enrolment.progress, enrolment.completed_at = StepStatus.ENROLLED, 0, None
    enrolment.enrolled_at = clock.now()
    session.flush()
    audit.record(session, actor=actor, action="enrolment.created", entity_type="enrolment", entity_id=enrolment.id,
                 offering_id=offering.id, staff_member_id=staff.id)
    paths.replan_after_seat_change(session, staff, enrolment)
    return enrolment


def _check_fits_seats_held(session: Session, staff: StaffMember, offering: CourseOffering) -> None:
    """Raises Conflict when a seat in ``offering`` clashes with the seats the person holds: one seat per
    course, and a prerequisite ends before the course needing it starts."""
    course = offering.course
    _completed, held = path_plans.seats_held(session, staff.id)
    # One open seat per course, also in a course completed before (taken again, it is not among ``held``).
    same = held.get(course.code) or session.scalar(
        select(Enrolment).join(Enrolment.offering).where(
            Enrolment.staff_member_id == staff.id, CourseOffering.course_id == course.id,
            Enrolment.status.in_((StepStatus.ENROLLED, StepStatus.IN_PROGRESS))).limit(1))
    if same is not None:
        raise Conflict(f"the staff member holds a seat in {course.code} already (offering {same.offering_id}); "
                       "drop it before taking another", field="offering_id", enrolment_id=same.id)
    for code, seat in held.items():
        if code in (course.prerequisites or ()) and seat.offering.ends_on >= offering.starts_on:
            raise Conflict(f"this offering starts on {offering.starts_on.isoformat()}, before the prerequisite "
                           f"{code} the staff member is enrolled in ends ({seat.offering.ends_on.isoformat()})",
                           field="offering_id", enrolment_id=seat.id)
        if course.code in (seat.offering.course.prerequisites or ()) and seat.offering.starts_on <= offering.ends_on:
            raise Conflict(f"this offering ends on {offering.ends_on.isoformat()}, after {code} starts "
                           f"({seat.offering.starts_on.isoformat()}), which needs it first: drop that seat or "
                           "choose an earlier offering", field="offering_id", enrolment_id=seat.id)


_NEXT: dict[str, set[str]] = {
    StepStatus.ENROLLED: {StepStatus.IN_PROGRESS, StepStatus.COMPLETED, StepStatus.DROPPED},
    StepStatus.IN_PROGRESS: {StepStatus.IN_PROGRESS, StepStatus.COMPLETED, StepStatus.DROPPED},
}


def update_enrolment(session: Session, *, actor: Actor, enrolment_id: int, progress: int | None = None,
                     status: str | None = None) -> Enrolment:
    """Report progress (0-100) or a new status; completing the last step makes the path ready for re-testing,
    dropping a seat re-plans the path.

    Completion is HR's (``training_policies.can_confirm_completion``), from the day the offering starts: the
    person's own progress 100 keeps the enrolment in progress until HR confirms it.
    Raises NotFound, PermissionDenied, Conflict (completed or dropped already; completed before it starts).
    """
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(f"enrolment {enrolment_id} does not exist", field="enrolment_id")
    staff = paths.staff_for(session, actor, enrolment.staff_member_id, self_allowed=True)
    confirms = policies.can_confirm_completion(
        actor, staff, ancestor_ids=organisation.ancestors_that_matter(session, actor, staff.unit_id))
    if status == StepStatus.COMPLETED and not confirms:
        raise PermissionDenied("completion is recorded by HR (the training side) from the course's records; "
                               "report your progress instead", field="status")
    target = status or (StepStatus.COMPLETED if progress == 100 and confirms else StepStatus.IN_PROGRESS)
    if target not in _NEXT.get(enrolment.status, set()):
        raise Conflict(f"an enrolment that is {enrolment.status} cannot become {target}", field="status")
    starts_on = enrolment.offering.starts_on
    if target == StepStatus.COMPLETED and clock.day_in_vietnam() < starts_on:
        raise Conflict(f"the course starts on {starts_on.isoformat()}; it cannot be completed before then",
                       field="status" if status else "progress")
    enrolment.status = target
    if progress is not None:
        enrolment.progress = progress
    if target == StepStatus.COMPLETED:
        enrolment.progress, enrolment.completed_at = 100, clock.now()
    audit.record(session, actor=actor, action="enrolment.updated", entity_type="enrolment", entity_id=enrolment.id,
                 staff_member_id=staff.id, status=enrolment.status, progress=enrolment.progress)
    step = session.scalar(select(PathStep).where(PathStep.enrolment_id == enrolment.id))
    if step is not None:
        step.status, step.progress = enrolment.status, enrolment.progress
        paths.check_ready_for_retest(step.path)
    session.flush()
    if target == StepStatus.DROPPED:
        paths.replan_after_seat_change(session, staff, enrolment)  # the course needs another offering
    return enrolment
