"""Test definitions, attempts and scoring for fixed tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment import adaptive, certification, policies, scoring
from assessment.adaptive import AdaptiveSettings
from assessment.models import (
    AssessedLevel,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Response,
    Test,
    TestItem,
    TestPurpose,
    TestStatus,
)
from assessment.scheduling import admission
from core import clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatus, ItemVersion
from question_bank.statistics import statistics_for


@dataclass(frozen=True, slots=True)
class TestDraft:
    __test__ = False

    title: str
    purpose: str
    item_ids: Sequence[int] = ()
    cut_scores: Sequence[dict[str, Any]] = ()
    description: str = ""
    kind: str = "fixed"
    adaptive: AdaptiveSettings | None = None
    time_limit_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveredItem:
    """What a candidate sees of one item: its content and their own answer, never its key."""

    position: int
    type: str
    skill: str
    content: dict[str, Any]
    answer: dict[str, Any] | None


def create_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """Define a fixed test from approved items. Raises PermissionDenied or RuleViolation."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators can define tests")
    if draft.purpose not in set(TestPurpose):
        raise RuleViolation(f"unknown purpose {draft.purpose!r}", field="purpose")
    if draft.time_limit_seconds is not None and not 60 <= draft.time_limit_seconds <= 6 * 3600:
        raise RuleViolation("a time limit is between 1 minute and 6 hours", field="time_limit_seconds")
    if draft.kind == "adaptive":
        return _create_adaptive_test(session, actor=actor, draft=draft)
    if draft.kind != "fixed":
        raise RuleViolation("kind must be fixed or adaptive", field="kind")
    if not draft.item_ids:
        raise RuleViolation("a test needs at least one item", field="item_ids")
    if len(set(draft.item_ids)) != len(draft.item_ids):
        raise RuleViolation("an item can appear only once in a test", field="item_ids")
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(draft.item_ids)))}
    for index, item_id in enumerate(draft.item_ids):
        item = items.get(item_id)
        if item is None:
            raise RuleViolation(f"item {item_id} does not exist", field=f"item_ids.{index}")
        if item.status != ItemStatus.APPROVED:
            raise RuleViolation(f"item {item_id} is {item.status}; only approved items can be delivered",
                                field=f"item_ids.{index}")
        if item_types.get(item.type).rater_scored:
            raise RuleViolation(f"item {item_id} is a {item.type} task marked by raters; fixed tests scored on "
                                "submission take automatically scored items only", field=f"item_ids.{index}")
    max_score = sum(float(items[item_id].current_version.scoring.get("points", 1)) for item_id in draft.item_ids)
    scoring.check_cut_scores(draft.cut_scores, max_score=max_score)
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose,
                time_limit_seconds=draft.time_limit_seconds, cut_scores=[dict(cut) for cut in draft.cut_scores],
                created_by=actor.id)
    test.entries = [
        TestItem(position=position, item_version_id=items[item_id].current_version_id)
        for position, item_id in enumerate(draft.item_ids, start=1)
    ]
    session.add(test)
    session.flush()
    return test


def _create_adaptive_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """An adaptive test over today's calibrated, approved items (its pool is frozen with it)."""
    settings = draft.adaptive or AdaptiveSettings()
    adaptive.check_settings(settings)
    pool, left_out = adaptive.without_enemies_in_passages(session, adaptive.calibrated_pool(session, settings))
    if len(pool) < settings.max_items:
        raise RuleViolation(f"only {len(pool)} approved items with IRT parameters match; the test needs at least "
                            f"{settings.max_items} (its maximum length)", field="adaptive.skills")
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose, kind="adaptive",
                time_limit_seconds=draft.time_limit_seconds, cut_scores=[],
                config={**settings.to_config(), "left_out": left_out}, created_by=actor.id)
    test.entries = [TestItem(position=position, item_version_id=entry.item_version_id)
                    for position, entry in enumerate(pool, start=1)]
    session.add(test)
    session.flush()
    adaptive.build_engine(session, test)  # refuses pools whose constraints can never be met
    return test


def get_test(session: Session, test_id: int) -> Test:
    """Raises NotFound when there is no such test."""
    test = session.get(Test, test_id)
    if test is None:
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    return test


def get_test_for(session: Session, *, actor: Actor, test_id: int) -> Test:
    """A test visible to the actor: published ones for all, drafts for test administrators."""
    test = get_test(session, test_id)
    if test.status != TestStatus.PUBLISHED and not policies.can_manage_tests(actor):
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    return test


def list_tests(session: Session, *, actor: Actor) -> list[Test]:
    query = select(Test).order_by(Test.id)
    if not policies.can_manage_tests(actor):
        query = query.where(Test.status == TestStatus.PUBLISHED)
    return list(session.scalars(query))


def publish_test(session: Session, *, actor: Actor, test_id: int) -> Test:
    """Open a draft test to candidates. Raises PermissionDenied, NotFound or Conflict."""
    if not policies.can_manage_tests(actor):
        raise PermissionDenied("only test administrators can publish tests")
    test = get_test(session, test_id)
    test.publish()
    session.flush()
    return test


def start_attempt(session: Session, *, actor: Actor, test_id: int) -> Attempt:
    """Start an attempt at a published test. Raises Conflict if one is already in progress, or the
    errors of ``admission.admit`` when the test's sessions or eligibility rules refuse the candidate."""
    if not policies.can_take_tests(actor):
        raise PermissionDenied("only candidates can take tests")
    test = get_test(session, test_id)
    if test.status != TestStatus.PUBLISHED:
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    existing = session.scalar(select(Attempt.id).where(
        Attempt.test_id == test.id, Attempt.candidate_id == actor.id,
        Attempt.status == AttemptStatus.IN_PROGRESS))
    if existing is not None:
        raise Conflict("you already have an attempt in progress at this test", attempt_id=existing)
    started = clock.now()
    deadline = started + timedelta(seconds=test.time_limit_seconds) if test.time_limit_seconds else None
    attempt = Attempt(test_id=test.id, candidate_id=actor.id, started_at=started, deadline=deadline)
    admission.admit(session, actor=actor, test=test, attempt=attempt)  # sessions and eligibility rules
    session.add(attempt)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent request started one between the check and the insert.
        raise Conflict("you already have an attempt in progress at this test") from None
    if test.kind == "adaptive":
        _administer_next(session, attempt, {})
    else:
        for entry in test.entries:
            record_exposure(session, entry.item_version_id)
    return attempt


def record_exposure(session: Session, item_version_id: int) -> None:
    """Count a delivery in the bank's statistics (exposure control and calibration read it)."""
    statistics_for(session, item_version_id).exposure_count += 1


def _administer_next(session: Session, attempt: Attempt, scores: dict[int, float]) -> bool:
    """Give the engine's next item; False when the test is over (then the attempt is scored)."""
    engine = adaptive.ENGINES.get(session, attempt.test)
    step = adaptive.next_step(engine, list(attempt.administered), scores, np.random.default_rng())
    if step.done:
        return False
    already_aside = {name for entry in attempt.administered for name in entry.set_aside}
    record_exposure(session, int(step.item_id))
    session.add(AttemptItem(attempt_id=attempt.id, position=len(attempt.administered) + 1,
                            item_version_id=int(step.item_id),
                            set_aside=[name for name in step.set_aside if name not in already_aside],
                            administered_at=clock.now()))
    session.flush()
    session.refresh(attempt, ["administered"])
    return True


class TimeUp(Conflict):
    """An answer arrived after the attempt's time ran out; the attempt is now closed and scored."""

    slug, title = "time-up", "Time is up"
    keeps_changes = True


def get_attempt_for(session: Session, *, actor: Actor, attempt_id: int, for_update: bool = False) -> Attempt:
    """The attempt, closed and scored first if its time ran out. Raises NotFound or PermissionDenied.

    ``for_update`` locks the attempt's row until the transaction ends (PostgreSQL), so that two
    requests changing one attempt at once take turns instead of both acting on what they read.
    """
    attempt = session.get(Attempt, attempt_id, with_for_update=for_update, populate_existing=for_update)
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    if not policies.can_view_attempt(actor, attempt):
        raise PermissionDenied("this attempt belongs to another candidate")
    close_if_time_is_up(session, attempt)
    return attempt


def close_if_time_is_up(session: Session, attempt: Attempt) -> bool:
    """Score an attempt whose deadline has passed, with the answers given in time."""
    if not attempt.time_is_up(clock.now()):
        return False
    _score(session, attempt, reason="time_up")
    return True


def close_expired_attempts(session: Session) -> int:
    """The periodic sweep: close every attempt whose time ran out. Returns how many were closed."""
    expired = session.scalars(select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS,
                                                    Attempt.deadline.is_not(None), Attempt.deadline <= clock.now()))
    return sum(close_if_time_is_up(session, attempt) for attempt in expired)


def delivered_items(session: Session, attempt: Attempt) -> list[DeliveredItem]:
    """The attempt's items as the candidate sees them, with their saved answers.

    A fixed test shows all its items (review is allowed); an adaptive one only the item it is
    waiting for, since answered adaptive items cannot be revisited.
    """
    answers = {r.item_version_id: r.answer for r in attempt.responses}
    if attempt.test.kind == "adaptive":
        waiting = [entry for entry in attempt.administered if entry.item_version_id not in answers]
        pairs = [(entry.position, entry.item_version) for entry in waiting]
    else:
        pairs = [(entry.position, entry.item_version) for entry in attempt.test.entries]
    return [DeliveredItem(position=position, type=version.item.type, skill=version.item.skill or "",
                          content=version.content, answer=answers.get(version.id))
            for position, version in pairs]


def _version_at(session: Session, attempt: Attempt, position: int) -> ItemVersion:
    if attempt.test.kind == "adaptive":
        entry = session.get(AttemptItem, (attempt.id, position))
        if entry is None:
            raise NotFound(f"this attempt has not given an item at position {position}", field="position")
        return entry.item_version
    test_entry = session.get(TestItem, (attempt.test_id, position))
    if test_entry is None:
        raise NotFound(f"this test has no item at position {position}", field="position")
    return test_entry.item_version


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    response: Response
    position: int
    next_position: int | None  # adaptive: the item given next; None when the test has ended
    finished: bool


def save_response(session: Session, *, actor: Actor, attempt_id: int, position: int, answer: dict[str, Any],
                  idempotency_key: str | None = None) -> SavedAnswer:
    """Record the answer at one position; a retry with the same idempotency key is recorded once.

    Raises Conflict once the attempt is submitted or for a revisited adaptive item, RuleViolation
    for an answer of the wrong shape or a key reused for a different answer.
    """
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can answer their attempt")
    if idempotency_key is not None:
        earlier = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                        Response.idempotency_key == idempotency_key))
        if earlier is not None:
            return _replayed(session, attempt, earlier, position, answer)
    if attempt.closed_reason == "time_up":
        raise TimeUp("time is up: this answer came after the attempt's deadline and was not recorded",
                     deadline=attempt.deadline.isoformat() if attempt.deadline else None)
    attempt.ensure_open()
    version = _version_at(session, attempt, position)
    item_type = item_types.get(version.item.type)
    item_type.check_answer(version.content, answer)
    response = session.scalar(select(Response).where(
        Response.attempt_id == attempt.id, Response.item_version_id == version.id))
    adaptive_test = attempt.test.kind == "adaptive"
    if adaptive_test and response is not None:
        raise Conflict("an adaptive test does not let you change an answer once it is given", position=position)
    if response is None:
        response = Response(attempt_id=attempt.id, item_version_id=version.id, answer=answer, answered_at=clock.now(),
                            idempotency_key=idempotency_key)
        session.add(response)
    else:
        response.answer, response.answered_at, response.idempotency_key = answer, clock.now(), idempotency_key
    if not adaptive_test:
        session.flush()
        return SavedAnswer(response=response, position=position, next_position=None, finished=False)
    response.points = item_type.score(version.content, version.scoring, answer).points
    session.flush()
    session.refresh(attempt, ["responses"])
    if _administer_next(session, attempt, _scores(attempt)):
        return SavedAnswer(response=response, position=position, next_position=len(attempt.administered),
                           finished=False)
    _finish_adaptive(session, attempt, "finished")
    return SavedAnswer(response=response, position=position, next_position=None, finished=True)


def _replayed(session: Session, attempt: Attempt, earlier: Response, position: int,
              answer: dict[str, Any]) -> SavedAnswer:
    if _position_of(session, attempt, earlier.item_version_id) != position or earlier.answer != answer:
        raise RuleViolation("this idempotency key was used for a different answer", field="Idempotency-Key")
    waiting = [e.position for e in attempt.administered if e.item_version_id not in _scores(attempt)]
    finished = attempt.status != AttemptStatus.IN_PROGRESS
    return SavedAnswer(response=earlier, position=position, next_position=waiting[-1] if waiting else None,
                       finished=finished and attempt.test.kind == "adaptive")


def _position_of(session: Session, attempt: Attempt, item_version_id: int) -> int | None:
    entries = attempt.administered if attempt.test.kind == "adaptive" else attempt.test.entries
    return next((entry.position for entry in entries if entry.item_version_id == item_version_id), None)


def _scores(attempt: Attempt) -> dict[int, float]:
    return {r.item_version_id: r.points for r in attempt.responses if r.points is not None}


def _award(session: Session, attempt: Attempt) -> None:
    """Record the level a placement or certification gave; a certified level also gets its certificate."""
    if attempt.level is None or attempt.test.purpose not in (TestPurpose.CERTIFICATION, TestPurpose.PLACEMENT):
        return
    session.add(AssessedLevel(user_id=attempt.candidate_id, level=attempt.level, basis=attempt.test.purpose,
                              attempt_id=attempt.id, awarded_at=attempt.submitted_at))
    if attempt.test.purpose == TestPurpose.CERTIFICATION:
        certification.issue_certificate(session, user_id=attempt.candidate_id, attempt_id=attempt.id,
                                        test_title=attempt.test.title, test_kind=attempt.test.kind,
                                        exam_date=attempt.started_at.date(), level=attempt.level)


def _finish_adaptive(session: Session, attempt: Attempt, reason: str = "finished") -> None:
    """Close an adaptive attempt with the engine's placement; unanswered items given count as wrong."""
    scores = _scores(attempt)
    engine = adaptive.ENGINES.get(session, attempt.test)
    answered = [entry for entry in attempt.administered if entry.item_version_id in scores]
    result = adaptive.placement(engine, answered, scores)
    attempt.theta, attempt.se, attempt.level = result.theta, result.se, result.level
    attempt.placement = adaptive.placement_summary(result)
    attempt.raw_score, attempt.max_score = float(sum(scores.values())), float(len(attempt.administered))
    attempt.status, attempt.submitted_at, attempt.closed_reason = AttemptStatus.SCORED, clock.now(), reason
    _award(session, attempt)
    session.flush()


def submit_attempt(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """Score an attempt and award its level. Raises Conflict if it was already submitted."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can submit their attempt")
    attempt.ensure_open()
    _score(session, attempt, reason="submitted")
    return attempt


def _score(session: Session, attempt: Attempt, *, reason: str) -> None:
    if attempt.test.kind == "adaptive":
        _finish_adaptive(session, attempt, reason)
        return
    responses = {r.item_version_id: r for r in attempt.responses}
    raw = maximum = 0.0
    for entry in attempt.test.entries:
        version = entry.item_version
        response = responses.get(version.id)
        result = item_types.get(version.item.type).score(
            version.content, version.scoring, response.answer if response else None)
        if response is not None:
            response.points = result.points
        raw += result.points or 0.0
        maximum += result.max_points
    attempt.raw_score, attempt.max_score = raw, maximum
    attempt.level = scoring.level_for_raw_score(attempt.test.cut_scores, raw)
    attempt.status, attempt.submitted_at, attempt.closed_reason = AttemptStatus.SCORED, clock.now(), reason
    _award(session, attempt)
    session.flush()


def get_result_for(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """A scored attempt. Raises Conflict while it is still in progress."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if attempt.status != AttemptStatus.SCORED:
        raise Conflict("this attempt has not been submitted yet")
    return attempt
