"""Scheduling sessions of a test, registering candidates in them, and setting a test's admission rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from assessment import services as tests
from assessment.models import TestStatus
from assessment.scheduling import admission, policies
from assessment.scheduling.errors import (
    AlreadyRegistered,
    OverlappingRegistration,
    RegistrationClosed,
    SessionCancelled,
    SessionFull,
)
from assessment.scheduling.models import (
    SEATED,
    AdmissionRules,
    Registration,
    RegistrationStatus,
    RetakeScope,
    TestSession,
)
from core import audit, clock
from core.accounts import Actor, Role, User
from core.accounts.models import account_usable_on
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class SessionDraft:
    title: str
    opens_at: datetime
    closes_at: datetime
    capacity: int
    venue: str = ""
    room: str = ""
    registration_closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionChanges:
    title: str | None = None
    venue: str | None = None
    room: str | None = None
    capacity: int | None = None
    cancelled: bool | None = None
    cancellation_reason: str | None = None


@dataclass(frozen=True, slots=True)
class RulesDraft:
    requires_registration: bool = False
    self_registration: bool = False
    retake_wait_days: int | None = None
    retake_scope: str = RetakeScope.TEST
    max_attempts: int | None = None


def _require_scheduler(actor: Actor, what: str) -> None:
    if not policies.can_schedule(actor):
        raise PermissionDenied(f"only test administrators can {what}")


def _aware(value: datetime | None, field: str) -> None:
    if value is not None and value.tzinfo is None:
        raise RuleViolation("give a time zone (UTC, e.g. 2026-12-01T08:00:00Z)", field=field)


def create_session(session: Session, *, actor: Actor, test_id: int, draft: SessionDraft) -> TestSession:
    """Schedule a session of a published test. Raises PermissionDenied, NotFound, Conflict or RuleViolation."""
    _require_scheduler(actor, "schedule sessions")
    test = tests.get_test(session, test_id)
    if test.status != TestStatus.PUBLISHED:
        raise Conflict(f"only a published test can be scheduled; this one is {test.status}")
    for field in ("opens_at", "closes_at", "registration_closes_at"):
        _aware(getattr(draft, field), field)
    deadline = draft.registration_closes_at
    draft = replace(draft, opens_at=draft.opens_at.astimezone(UTC), closes_at=draft.closes_at.astimezone(UTC),
                    registration_closes_at=deadline.astimezone(UTC) if deadline is not None else None)
    if draft.closes_at <= draft.opens_at:
        raise RuleViolation("a session closes after it opens", field="closes_at")
    if draft.closes_at <= clock.now():
        raise RuleViolation("this window is already over", field="closes_at")
    if draft.registration_closes_at is not None and draft.registration_closes_at > draft.opens_at:
        raise RuleViolation("registration closes at the latest when the session opens",
                            field="registration_closes_at")
    if draft.capacity < 1:
        raise RuleViolation("a session seats at least one candidate", field="capacity")
    test_session = TestSession(test_id=test.id, title=draft.title, venue=draft.venue, room=draft.room,
                               opens_at=draft.opens_at, closes_at=draft.closes_at,
                               registration_closes_at=draft.registration_closes_at, capacity=draft.capacity,
                               created_by=actor.id, created_at=clock.now())
    session.add(test_session)
    session.flush()
    audit.record(session, actor=actor, action="session.created", entity_type="test_session",
                 entity_id=test_session.id, test_id=test.id)
    return test_session


def get_session(session: Session, session_id: int, *, for_update: bool = False) -> TestSession:
    """Raises NotFound. ``for_update`` locks the session's row (PostgreSQL): its registrations take turns."""
    test_session = session.get(TestSession, session_id, with_for_update=for_update, populate_existing=for_update)
    if test_session is None:
        raise NotFound(f"session {session_id} does not exist", field="session_id")
    return test_session


def get_session_for(session: Session, *, actor: Actor, session_id: int) -> TestSession:
    """A session: any authenticated user may see when and where it is, never who is registered."""
    return get_session(session, session_id)


def list_sessions(session: Session, *, actor: Actor, test_id: int) -> list[TestSession]:
    """A test's sessions by opening time; candidates see those not cancelled."""
    test = tests.get_test_for(session, actor=actor, test_id=test_id)
    query = (select(TestSession).where(TestSession.test_id == test.id).order_by(TestSession.opens_at, TestSession.id)
             .options(selectinload(TestSession.registrations)))
    if not policies.can_schedule(actor):
        query = query.where(TestSession.cancelled_at.is_(None))
    return list(session.scalars(query))


def seats_taken(test_session: TestSession) -> int:
    return sum(registration.status in SEATED for registration in test_session.registrations)


def _count_seats(session: Session, session_id: int) -> int:
    """Seats held, counted in the database (after the session's row lock, so no one else is adding)."""
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.session_id == session_id, Registration.status.in_(SEATED))) or 0


def update_session(session: Session, *, actor: Actor, session_id: int, changes: SessionChanges) -> TestSession:
    """Rename, move rooms, resize or cancel a session until it closes. Raises PermissionDenied, NotFound or
    Conflict (also once it has closed)."""
    _require_scheduler(actor, "change sessions")
    test_session = get_session(session, session_id, for_update=True)
    if test_session.cancelled:
        raise SessionCancelled("this session was cancelled; it can no longer be changed", session_id=session_id)
    if test_session.has_closed_by(clock.now()):
        raise Conflict(f"this session closed at {test_session.closes_at.isoformat()}; it can no longer be changed",
                       session_id=session_id, closes_at=test_session.closes_at.isoformat())
    if changes.capacity is not None:
        taken = _count_seats(session, session_id)
        if changes.capacity < max(taken, 1):
            raise Conflict(f"{taken} candidates hold seats; the capacity cannot go below that", field="capacity",
                           seats_taken=taken)
        test_session.capacity = changes.capacity
    for field in ("title", "venue", "room"):
        if getattr(changes, field) is not None:
            setattr(test_session, field, getattr(changes, field))
    if changes.cancelled is False:
        raise RuleViolation("a session is cancelled for good; schedule a new one instead", field="cancelled")
    if changes.cancelled:
        test_session.cancelled_at, test_session.cancelled_by = clock.now(), actor.id
        test_session.cancellation_reason = changes.cancellation_reason
        audit.record(session, actor=actor, action="session.cancelled", entity_type="test_session",
                     entity_id=session_id, reason=changes.cancellation_reason)
    session.flush()
    return test_session


def register_candidates(session: Session, *, actor: Actor, session_id: int,
                        user_ids: Sequence[int] | None = None) -> list[Registration]:
    """Register candidates in a session, all or none: test administrators register anyone (``user_ids``),
    candidates themselves where the test allows it.

    The session's row is locked first, so concurrent registrations take turns and the seats are
    never over-booked; then the candidates' rows, so that one candidate's registrations in two
    overlapping sessions cannot both pass. Raises PermissionDenied, NotFound, RuleViolation,
    SessionCancelled, RegistrationClosed, AlreadyRegistered, OverlappingRegistration, NotEligible or SessionFull.
    """
    test_session = get_session(session, session_id, for_update=True)
    rules = admission.rules_for(session, test_session.test_id)
    ids = _who_registers(actor, rules, user_ids)
    now = clock.now()
    if test_session.cancelled:
        raise SessionCancelled("this session was cancelled; it takes no registrations", session_id=session_id)
    if test_session.has_closed_by(now):
        raise RegistrationClosed(f"this session closed at {test_session.closes_at.isoformat()}",
                                 session_id=session_id)
    if not policies.can_schedule(actor):
        deadline = test_session.registration_closes_at or test_session.opens_at
        if now >= deadline:
            raise RegistrationClosed(f"registration for this session closed at {deadline.isoformat()}",
                                     session_id=session_id, registration_closes_at=deadline.isoformat())
    test = tests.get_test(session, test_session.test_id)
    if test.status != TestStatus.PUBLISHED:
        raise Conflict(f"this session's test is {test.status}; it takes no registrations")
    _check_candidates(session, ids)
    tests.close_expired_attempts_of(session, ids)  # handed in at their deadline: the retake wait counts them
    existing = {r.candidate_id: r for r in session.scalars(select(Registration).where(
        Registration.session_id == session_id, Registration.candidate_id.in_(ids)))}
    for user_id in ids:
        subject = "you" if user_id == actor.id else f"user {user_id}"
        if user_id in existing and existing[user_id].status in SEATED:
            raise AlreadyRegistered(f"a seat in this session is already held by {subject}", user_id=user_id,
                                    registration_id=existing[user_id].id)
        # Registration looks ahead: the candidate must be eligible by the time the session opens.
        admission.check_eligibility(session, test=test, rules=rules, candidate_id=user_id,
                                    at=max(test_session.opens_at, now), subject=subject)
    _check_no_overlap(session, test_session, ids)
    taken = _count_seats(session, session_id)
    if taken + len(ids) > test_session.capacity:
        raise SessionFull(f"{test_session.capacity - taken} seat(s) left; {len(ids)} asked for",
                          seats_left=test_session.capacity - taken, capacity=test_session.capacity)
    made = []
    for user_id in ids:
        registration = existing.get(user_id)
        if registration is None:
            registration = Registration(session_id=session_id, candidate_id=user_id)
            session.add(registration)
        registration.status, registration.registered_at, registration.registered_by = (
            RegistrationStatus.REGISTERED, now, actor.id)
        registration.cancelled_at = registration.cancelled_by = None
        made.append(registration)
    session.flush()
    session.refresh(test_session, ["registrations"])
    audit.record(session, actor=actor, action="session.registered", entity_type="test_session",
                 entity_id=session_id, user_ids=list(ids))
    return made


def _who_registers(actor: Actor, rules: AdmissionRules | None, user_ids: Sequence[int] | None) -> list[int]:
    if policies.can_schedule(actor):
        if not user_ids:
            raise RuleViolation("name the candidates to register", field="user_ids")
        if len(user_ids) > MAX_BULK:
            raise RuleViolation(f"at most {MAX_BULK} candidates at once", field="user_ids")
        seen: set[int] = set()
        for index, user_id in enumerate(user_ids):
            if user_id in seen:
                raise RuleViolation(f"user {user_id} is listed twice", field=f"user_ids.{index}")
            seen.add(user_id)
        return list(user_ids)
    if user_ids is not None and list(user_ids) != [actor.id]:
        raise PermissionDenied("candidates register themselves only")
    if not policies.can_register_self(actor, rules):
        raise PermissionDenied("test administrators register candidates in this test's sessions")
    return [actor.id]


def _check_candidates(session: Session, ids: Sequence[int]) -> None:
    # Locked in id order (the same order everywhere, so two bulk registrations cannot deadlock).
    users = {user.id: (user, usable) for user, usable in session.execute(
        select(User, account_usable_on(clock.day_in_vietnam())).where(User.id.in_(ids)).order_by(User.id)
        .with_for_update(of=User))}
    for index, user_id in enumerate(ids):
        user, usable = users.get(user_id, (None, False))
        if user is None:
            raise RuleViolation(f"user {user_id} does not exist", field=f"user_ids.{index}")
        if Role.CANDIDATE not in user.roles or not usable:  # closed, or a leaver's account past its last day
            raise RuleViolation(f"user {user_id} is not an active candidate", field=f"user_ids.{index}")


def _check_no_overlap(session: Session, test_session: TestSession, ids: Sequence[int]) -> None:
    clash = session.execute(
        select(Registration.candidate_id, TestSession)
        .join(TestSession, TestSession.id == Registration.session_id)
        .where(Registration.candidate_id.in_(ids), Registration.status.in_(SEATED),
               TestSession.id != test_session.id, TestSession.cancelled_at.is_(None),
               TestSession.opens_at < test_session.closes_at, TestSession.closes_at > test_session.opens_at)
        .order_by(Registration.candidate_id).limit(1)).first()
    if clash is not None:
        user_id, other = clash
        raise OverlappingRegistration(
            f"user {user_id} already holds a seat in session {other.id} ({other.opens_at.isoformat()} to "
            f"{other.closes_at.isoformat()}), which overlaps this one", user_id=user_id, session_id=other.id)


def cancel_registration(session: Session, *, actor: Actor, session_id: int, user_id: int) -> Registration:
    """Give up a seat: test administrators any time before it is used, candidates their own before the
    session opens. Raises NotFound, PermissionDenied, RegistrationClosed or Conflict."""
    test_session = get_session(session, session_id, for_update=True)
    registration = session.scalar(select(Registration).where(
        Registration.session_id == session_id, Registration.candidate_id == user_id))
    if registration is None or not policies.can_view_registration(actor, registration):
        raise NotFound(f"user {user_id} has no registration in session {session_id}", field="user_id")
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if registration.status == RegistrationStatus.ATTENDED:
        raise Conflict("this registration was used: the candidate started their attempt in the session")
    if not policies.can_schedule(actor) and clock.now() >= test_session.opens_at:
        raise RegistrationClosed("the session has opened; ask a test administrator to cancel your registration",
                                 session_id=session_id)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at, registration.cancelled_by = clock.now(), actor.id
    audit.record(session, actor=actor, action="session.registration_cancelled", entity_type="test_session",
                 entity_id=session_id, user_id=user_id)
    session.flush()
    return registration


def list_registrations(session: Session, *, actor: Actor, session_id: int) -> list[Registration]:
    """Everyone registered in a session (test administrators). Raises PermissionDenied or NotFound."""
    _require_scheduler(actor, "see a session's registrations")
    return list(get_session(session, session_id).registrations)


def list_my_registrations(session: Session, *, actor: Actor) -> list[Registration]:
    """The actor's own registrations, soonest session first."""
    return list(session.scalars(
        select(Registration).join(TestSession, TestSession.id == Registration.session_id)
        .where(Registration.candidate_id == actor.id).order_by(TestSession.opens_at, Registration.id)
        .options(selectinload(Registration.test_session).selectinload(TestSession.registrations))))


def get_rules(session: Session, *, actor: Actor, test_id: int) -> AdmissionRules:
    """A test's admission rules (defaults when none were set)."""
    test = tests.get_test_for(session, actor=actor, test_id=test_id)
    return admission.rules_for(session, test.id) or AdmissionRules(
        test_id=test.id, requires_registration=False, self_registration=False, retake_wait_days=None,
        retake_scope=RetakeScope.TEST, max_attempts=None)


def set_rules(session: Session, *, actor: Actor, test_id: int, draft: RulesDraft) -> AdmissionRules:
    """Replace a test's admission rules. Raises PermissionDenied, NotFound or RuleViolation."""
    _require_scheduler(actor, "set admission rules")
    test = tests.get_test(session, test_id)
    if draft.retake_scope not in set(RetakeScope):
        raise RuleViolation(f"unknown retake scope {draft.retake_scope!r}", field="retake_scope")
    if draft.retake_wait_days is not None and not 0 <= draft.retake_wait_days <= 3650:
        raise RuleViolation("a retake wait is 0 to 3650 days", field="retake_wait_days")
    if draft.max_attempts is not None and draft.max_attempts < 1:
        raise RuleViolation("allow at least one attempt", field="max_attempts")
    rules = admission.rules_for(session, test.id)
    if rules is None:
        rules = AdmissionRules(test_id=test.id)
        session.add(rules)
    for field in RulesDraft.__slots__:
        setattr(rules, field, getattr(draft, field))
    rules.updated_at, rules.updated_by = clock.now(), actor.id
    audit.record(session, actor=actor, action="test.admission_rules_set", entity_type="test", entity_id=test.id,
                 **{field: getattr(draft, field) for field in RulesDraft.__slots__})
    session.flush()
    return rules
