"""Admission: a test's eligibility rules, and the check made before an attempt starts.

Rules are checked twice: when a candidate is registered in a session (against the moment the
session opens) and again when the attempt starts (against the server's clock), since time, other
attempts or a cancellation may have changed the answer in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.models import Attempt, AttemptStatus, Test
from assessment.scheduling.errors import (
    NotEligible,
    OutsideSessionWindow,
    RegistrationRequired,
    SessionCancelled,
)
from assessment.scheduling.models import AdmissionRules, Registration, RegistrationStatus, RetakeScope, TestSession
from core import clock
from core.accounts import Actor, User


def rules_for(session: Session, test_id: int) -> AdmissionRules | None:
    return session.get(AdmissionRules, test_id)


# An attempt handed in counts for the retake wait from then, scored or still waiting for its raters.
HANDED_IN = (AttemptStatus.AWAITING_RATING, AttemptStatus.SCORED)


def eligible_from(session: Session, *, test: Test, rules: AdmissionRules, candidate_id: int) -> datetime | None:
    """When the retake wait ends for the candidate: their last attempt handed in plus the wait (None: no wait)."""
    if not rules.retake_wait_days:
        return None
    query = select(func.max(Attempt.submitted_at)).where(
        Attempt.candidate_id == candidate_id, Attempt.status.in_(HANDED_IN))
    if rules.retake_scope == RetakeScope.PURPOSE:
        query = query.join(Test, Test.id == Attempt.test_id).where(Test.purpose == test.purpose)
    else:
        query = query.where(Attempt.test_id == test.id)
    last = session.scalar(query)
    return None if last is None else last + timedelta(days=rules.retake_wait_days)


def check_eligibility(session: Session, *, test: Test, rules: AdmissionRules | None, candidate_id: int,
                      at: datetime, subject: str = "you") -> None:
    """Refuse a candidate the rules exclude at the moment ``at``. Raises NotEligible naming the rule."""
    if rules is None:
        return
    if rules.max_attempts is not None:  # every attempt started counts: in progress, awaiting rating or scored
        made = session.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.test_id == test.id, Attempt.candidate_id == candidate_id)) or 0
        if made >= rules.max_attempts:
            raise NotEligible(f"{made} attempt(s) at this test made by {subject}; its rule max_attempts "
                              f"allows {rules.max_attempts}", rule="max_attempts", max_attempts=rules.max_attempts,
                              attempts_made=made, user_id=candidate_id)
    wait_ends = eligible_from(session, test=test, rules=rules, candidate_id=candidate_id)
    if wait_ends is not None and at < wait_ends:
        scope = "this test" if rules.retake_scope == RetakeScope.TEST else f"any {test.purpose} test"
        raise NotEligible(f"the rule retake_wait_days asks for {rules.retake_wait_days} days between attempts at "
                          f"{scope}; eligible again ({subject}) from {wait_ends.isoformat()}",
                          rule="retake_wait_days", retake_wait_days=rules.retake_wait_days,
                          eligible_from=wait_ends.isoformat(), user_id=candidate_id)


def requires_registration(session: Session, test_id: int, rules: AdmissionRules | None) -> bool:
    """A test with any session (even a cancelled one) is sat in sessions only, as is one whose rules say so."""
    if rules is not None and rules.requires_registration:
        return True
    return session.scalar(select(TestSession.id).where(TestSession.test_id == test_id).limit(1)) is not None


def admit(session: Session, *, actor: Actor, test: Test, attempt: Attempt) -> None:
    """Check the candidate may start ``attempt`` now and tie it to their session; tests without
    rules or sessions admit everyone, as before.

    An admitted attempt records its session, ends when the session closes at the latest, and uses
    up the registration (it becomes ``attended``). Raises NotEligible, RegistrationRequired,
    OutsideSessionWindow or SessionCancelled.
    """
    rules = rules_for(session, test.id)
    needs_session = requires_registration(session, test.id, rules)
    if rules is None and not needs_session:
        return
    now = attempt.started_at or clock.now()
    check_eligibility(session, test=test, rules=rules, candidate_id=actor.id, at=now)
    if rules is not None and rules.retake_wait_days and rules.retake_scope == RetakeScope.PURPOSE:
        _check_none_running_of_purpose(session, test=test, rules=rules, candidate_id=actor.id)
    if not needs_session:
        return
    registration = _registration_admitting(session, test_id=test.id, candidate_id=actor.id, now=now)
    registration.status = RegistrationStatus.ATTENDED
    attempt.test_session_id = registration.session_id
    closes_at = registration.test_session.closes_at
    if attempt.deadline is None or attempt.deadline > closes_at:
        attempt.deadline = closes_at


def _check_none_running_of_purpose(session: Session, *, test: Test, rules: AdmissionRules, candidate_id: int) -> None:
    """A wait between attempts at any test of a purpose counts from the last one handed in: one started while
    another of that purpose is still running would give two results with no wait between them. The candidate's
    account row is locked (PostgreSQL), so that two starts at once take turns and the second sees the first.
    Raises NotEligible."""
    session.execute(select(User.id).where(User.id == candidate_id).with_for_update())
    running = session.scalar(select(Attempt).join(Test, Test.id == Attempt.test_id).where(
        Attempt.candidate_id == candidate_id, Attempt.status == AttemptStatus.IN_PROGRESS,
        Test.purpose == test.purpose, Attempt.test_id != test.id).limit(1))
    if running is not None:
        raise NotEligible(f"you have an attempt in progress at test {running.test_id}; the rule retake_wait_days asks "
                          f"for {rules.retake_wait_days} days between attempts at any {test.purpose} test, counted "
                          f"from the one handed in last: hand that one in first", rule="retake_wait_days",
                          retake_wait_days=rules.retake_wait_days, attempt_id=running.id, user_id=candidate_id)


def _registration_admitting(session: Session, *, test_id: int, candidate_id: int, now: datetime) -> Registration:
    """The candidate's registration in a session open now, locked; otherwise the reason there is none."""
    registrations = list(session.scalars(
        select(Registration).join(TestSession, TestSession.id == Registration.session_id)
        .where(TestSession.test_id == test_id, Registration.candidate_id == candidate_id,
               Registration.status != RegistrationStatus.CANCELLED)
        .order_by(TestSession.opens_at).with_for_update(of=Registration)))
    waiting = [r for r in registrations if r.status == RegistrationStatus.REGISTERED]
    for registration in waiting:
        if registration.test_session.is_open_at(now):
            return registration
    live = [r.test_session for r in waiting if not r.test_session.cancelled]
    upcoming = [s for s in live if s.opens_at > now]
    if upcoming:
        raise _outside(upcoming[0], f"your session opens at {upcoming[0].opens_at.isoformat()}; "
                                    "the test can be started from then until it closes")
    if live:
        raise _outside(live[-1], f"your session closed at {live[-1].closes_at.isoformat()}")
    cancelled = [r.test_session for r in waiting if r.test_session.cancelled]
    if cancelled:
        raise SessionCancelled(f"your session {cancelled[-1].title!r} was cancelled; ask a test administrator for "
                               "a seat in another one", session_id=cancelled[-1].id)
    if registrations:
        raise RegistrationRequired("your registration was used by the attempt you started in the session; "
                                   "a registration admits one attempt", session_id=registrations[-1].session_id)
    raise RegistrationRequired("this test is sat in scheduled sessions: you need a registration in one "
                               "(see GET /api/v1/tests/{test_id}/sessions)".replace("{test_id}", str(test_id)))


def _outside(test_session: TestSession, detail: str) -> OutsideSessionWindow:
    return OutsideSessionWindow(detail, session_id=test_session.id, opens_at=test_session.opens_at.isoformat(),
                                closes_at=test_session.closes_at.isoformat())
