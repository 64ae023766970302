"""Changing a scheduled offering (dates, seats, venue) or cancelling it.

Either way the paths that counted on it are planned again at once, so that nobody's plan points at a cohort
that moved or is gone; a cancellation also drops the enrolments it held.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, RuleViolation
from learning import catalogue, paths
from learning.training_models import CourseOffering, Enrolment, StepStatus

CHANGEABLE = ("starts_on", "ends_on", "seats", "venue")


def update_offering(session: Session, *, actor: Actor, offering_id: int, changes: dict[str, Any]) -> CourseOffering:
    """Change an offering's dates, seats or venue (catalogue keepers). Raises NotFound, PermissionDenied,
    Conflict (cancelled or ended; a new first day once it has started; fewer seats than are taken), RuleViolation
    (it would end before it starts, or a new start day is before today; its current one, sent back unchanged, is
    kept even once it has passed)."""
    catalogue.require_catalogue_keeper(actor)
    offering = catalogue.get_offering(session, offering_id, for_update=True)
    if offering.cancelled_at is not None:
        raise Conflict("this offering is cancelled; schedule a new one instead", field="offering_id")
    today = clock.day_in_vietnam()
    if offering.ends_on < today:
        raise Conflict("this offering has ended; its record stays as it is", field="offering_id")
    starts_on: date = changes.get("starts_on", offering.starts_on)
    ends_on: date = changes.get("ends_on", offering.ends_on)
    if starts_on != offering.starts_on:
        catalogue.check_start(starts_on)
        if offering.has_started(today):  # its people are in it: its first day is a fact now
            raise Conflict(f"this offering started on {offering.starts_on.isoformat()}; its first day stays (change "
                           "its last day, or cancel it and schedule a new one)", field="starts_on")
    if ends_on < starts_on:
        raise RuleViolation("a cohort ends on or after the day it starts",
                            field="ends_on" if "ends_on" in changes else "starts_on")
    if "seats" in changes:
        taken = catalogue.seats_taken(session, offering.id)
        if changes["seats"] < taken:
            raise Conflict(f"{taken} seats are taken; the offering cannot have fewer", field="seats",
                           seats_taken=taken)
    moved = (starts_on, ends_on) != (offering.starts_on, offering.ends_on)
    before = {name: str(getattr(offering, name)) for name in CHANGEABLE if name in changes}
    for name in CHANGEABLE:
        if name in changes:
            setattr(offering, name, changes[name])
    session.flush()
    audit.record(session, actor=actor, action="offering.updated", entity_type="course_offering",
                 entity_id=offering.id, before=before, after={name: str(changes[name]) for name in before})
    if moved:
        paths.replan_paths_using(session, offering.id)
    return offering


def cancel_offering(session: Session, *, actor: Actor, offering_id: int, reason: str) -> CourseOffering:
    """Cancel an offering that has not ended (catalogue keepers): its enrolments not completed are dropped
    and the paths that used it are planned again. Raises NotFound, PermissionDenied, Conflict (cancelled
    already, or over), RuleViolation (no reason)."""
    catalogue.require_catalogue_keeper(actor)
    offering = catalogue.get_offering(session, offering_id, for_update=True)
    if offering.cancelled_at is not None:
        raise Conflict("this offering is cancelled already", field="offering_id")
    if not reason.strip():
        raise RuleViolation("a cancellation needs its reason, for the people enrolled", field="reason")
    if offering.ends_on < clock.day_in_vietnam():
        raise Conflict("this offering has ended; its record stays as it is", field="offering_id")
    offering.cancelled_at, offering.cancellation_reason = clock.now(), reason.strip()
    dropped = list(session.scalars(select(Enrolment).where(
        Enrolment.offering_id == offering.id, Enrolment.status.in_((StepStatus.ENROLLED, StepStatus.IN_PROGRESS)))))
    for enrolment in dropped:
        enrolment.status = StepStatus.DROPPED
    session.flush()
    audit.record(session, actor=actor, action="offering.cancelled", entity_type="course_offering",
                 entity_id=offering.id, reason=offering.cancellation_reason,
                 dropped_enrolments=[enrolment.id for enrolment in dropped])
    paths.replan_paths_using(session, offering.id)
    return offering
