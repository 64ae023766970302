"""Test definitions, attempts and scoring for fixed tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment import adaptive, certification, policies, scoring, sections
from assessment.adaptive import AdaptiveSettings
from assessment.certificates.types import SkillScores
from assessment.rules.apply import score_vstep
from assessment.sections import SECTIONED, VSTEP, VSTEP_FORMAT, Section, sections_of
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
from assessment.scheduling.models import TestSession
from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatus, ItemVersion, MediaObject
from question_bank.statistics import statistics_for


@dataclass(frozen=True, slots=True)
class SectionDraft:
    """One section of a sectioned exam as a test administrator defines it."""

    skill: str
    item_ids: Sequence[int]
    time_limit_seconds: int | None = None  # None: the format's usual time
    title: str | None = None
    conversion: Sequence[dict[str, Any]] = ()  # listening and reading: this form's raw -> 0-10 table


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
    sections: Sequence[SectionDraft] = ()
    certificate_valid_months: int | None = None  # sectioned certification exams; None: the default


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
    if draft.kind == SECTIONED:
        return _create_sectioned_test(session, actor=actor, draft=draft)
    if draft.kind != "fixed":
        raise RuleViolation("kind must be fixed, adaptive or sectioned", field="kind")
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


DEFAULT_CERTIFICATE_VALID_MONTHS = 24  # the centre's choice: the regulations set no validity


def _create_sectioned_test(session: Session, *, actor: Actor, draft: TestDraft) -> Test:
    """A VSTEP.3-5 form: listening, reading, writing and speaking sections, in that order, each timed."""
    if draft.item_ids or draft.cut_scores:
        raise RuleViolation("a sectioned exam takes its items per section and scores by the VSTEP rules",
                            field="item_ids" if draft.item_ids else "cut_scores")
    if [section.skill for section in draft.sections] != [section.skill for section in VSTEP_FORMAT]:
        raise RuleViolation("a VSTEP.3-5 exam has four sections in this order: "
                            + ", ".join(section.skill for section in VSTEP_FORMAT), field="sections")
    months = draft.certificate_valid_months or DEFAULT_CERTIFICATE_VALID_MONTHS
    if not 1 <= months <= 120:
        raise RuleViolation("a certificate is valid for 1 to 120 months", field="certificate_valid_months")
    all_ids = [item_id for section in draft.sections for item_id in section.item_ids]
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(all_ids)))}
    specs, entries, seen = [], [], set()
    for index, (section, form) in enumerate(zip(draft.sections, VSTEP_FORMAT, strict=True)):
        field = f"sections.{index}"
        if len(section.item_ids) != form.item_count:
            raise RuleViolation(f"the {form.skill} section has {form.item_count} items, not {len(section.item_ids)}",
                                field=f"{field}.item_ids")
        max_points = 0.0
        for number, item_id in enumerate(section.item_ids):
            item = _deliverable(items, item_id, f"{field}.item_ids.{number}")
            if item_id in seen:
                raise RuleViolation(f"item {item_id} appears twice in the exam", field=f"{field}.item_ids.{number}")
            seen.add(item_id)
            if item.skill != form.skill or item_types.get(item.type).rater_scored != form.rater_scored:
                kind = "a rater-marked task" if form.rater_scored else "an automatically scored item"
                raise RuleViolation(f"item {item_id} does not belong in the {form.skill} section: it takes "
                                    f"{kind} of skill {form.skill}", field=f"{field}.item_ids.{number}")
            max_points += float(item.current_version.scoring.get("points", 1))
        if form.passages is not None:
            _check_passages([items[item_id] for item_id in section.item_ids], form.passages, f"{field}.item_ids")
        seconds = section.time_limit_seconds or form.default_seconds
        if not 60 <= seconds <= 6 * 3600:
            raise RuleViolation("a section lasts 1 minute to 6 hours", field=f"{field}.time_limit_seconds")
        if section.conversion and form.rater_scored:
            raise RuleViolation("writing and speaking are scored by raters on 0-10; they take no conversion table",
                                field=f"{field}.conversion")
        conversion = sections.check_conversion(section.conversion, max_raw=max_points, field=f"{field}.conversion")
        first = len(entries) + 1
        specs.append(Section(form.skill, section.title or form.skill.capitalize(), seconds, first,
                             len(section.item_ids), conversion))
        entries.extend(items[item_id].current_version_id for item_id in section.item_ids)
    test = Test(title=draft.title, description=draft.description, purpose=draft.purpose, kind=SECTIONED,
                time_limit_seconds=sum(spec.time_limit_seconds for spec in specs), cut_scores=[],
                config={"format": VSTEP, "sections": [spec.to_config() for spec in specs],
                        "certificate_valid_months": months},
                created_by=actor.id)
    test.entries = [TestItem(position=position, item_version_id=version_id)
                    for position, version_id in enumerate(entries, start=1)]
    session.add(test)
    session.flush()
    return test


def _deliverable(items: dict[int, Item], item_id: int, field: str) -> Item:
    item = items.get(item_id)
    if item is None:
        raise RuleViolation(f"item {item_id} does not exist", field=field)
    if item.status != ItemStatus.APPROVED:
        raise RuleViolation(f"item {item_id} is {item.status}; only approved items can be delivered", field=field)
    return item


def _check_passages(items: list[Item], passages: int, field: str) -> None:
    """Reading comes as whole passages: every item on a passage, each passage's items together."""
    order: list[int] = []
    for number, item in enumerate(items):
        if item.stimulus_id is None:
            raise RuleViolation(f"item {item.id} has no passage; reading items come with theirs",
                                field=f"{field}.{number}")
        if not order or order[-1] != item.stimulus_id:
            if item.stimulus_id in order:
                raise RuleViolation(f"the items of passage {item.stimulus_id} must come together",
                                    field=f"{field}.{number}")
            order.append(item.stimulus_id)
    if len(order) != passages:
        raise RuleViolation(f"the reading section has {passages} passages, not {len(order)}", field=field)


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
    if test.kind == SECTIONED:
        attempt.sections = [sections.start_record(started)]
        attempt.deadline = sections.deadline_of(sections_of(test.config)[0], attempt.sections[0])
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
    now = clock.now()
    if not attempt.time_is_up(now):
        return False
    if attempt.test.kind == SECTIONED:
        records = [dict(record) for record in attempt.sections or ()]
        _, deadline = sections.catch_up(sections_of(attempt.test.config), records, now)
        attempt.sections = records
        closing = _session_closing(session, attempt)
        if deadline is not None and (closing is None or now < closing):  # a later section is running now
            attempt.deadline = min(deadline, closing) if closing is not None else deadline
            session.flush()
            return True
    _score(session, attempt, reason="time_up")
    return True


def _session_closing(session: Session, attempt: Attempt) -> datetime | None:
    """When the session the attempt is sat in closes: no section runs past it."""
    if attempt.test_session_id is None:
        return None
    return session.scalar(select(TestSession.closes_at).where(TestSession.id == attempt.test_session_id))


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
    if attempt.test.kind == SECTIONED:
        if attempt.status != AttemptStatus.IN_PROGRESS:
            return []  # exam content stays in the exam room
        current = sections_of(attempt.test.config)[len(attempt.sections or ()) - 1]
        pairs = [(entry.position, entry.item_version) for entry in attempt.test.entries
                 if entry.position in current.positions]
    elif attempt.test.kind == "adaptive":
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
    if attempt.test.kind == SECTIONED:
        _check_section_open(attempt, position)
    item_type = item_types.get(version.item.type)
    item_type.check_answer(version.content, answer)
    if "audio" in answer and item_type.rater_scored:
        _check_recording(session, answer["audio"])
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


def _check_section_open(attempt: Attempt, position: int) -> None:
    """Answers go to the section running now. Raises TimeUp, or Conflict for another section."""
    specs = sections_of(attempt.test.config)
    index = sections.section_at(specs, position)
    assert index is not None  # the position exists: _version_at found it
    current = len(attempt.sections or ()) - 1
    skill = specs[index].skill
    if index < current:
        if attempt.sections[index]["closed_reason"] == "time_up":
            raise TimeUp(f"time is up for the {skill} section: this answer came after its end and was not recorded",
                         section=index, ended_at=attempt.sections[index]["ended_at"])
        raise Conflict(f"you have finished the {skill} section; its answers can no longer change", section=index)
    if index > current:
        raise Conflict(f"the {skill} section has not started yet", section=index)


def _check_recording(session: Session, sha256: Any) -> None:
    """A spoken answer names a recording the candidate uploaded first. Raises RuleViolation."""
    stored = session.get(MediaObject, sha256) if isinstance(sha256, str) else None
    if stored is None or not stored.mime_type.startswith("audio/"):
        raise RuleViolation("upload the recording first (POST /api/v1/uploads, resumable; or POST /api/v1/media) "
                            "and give its sha256",
                            field="answer.audio")


def finish_section(session: Session, *, actor: Actor, attempt_id: int, index: int) -> Attempt:
    """End the running section now and start the next; the last one hands the exam in.

    Finishing a section that is already over changes nothing, so a retried request is harmless.
    Raises Conflict for a section not yet started, NotFound for one the exam does not have.
    """
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can move through their attempt")
    if attempt.test.kind != SECTIONED:
        raise NotFound("this test has no sections", field="index")
    specs = sections_of(attempt.test.config)
    if not 0 <= index < len(specs):
        raise NotFound(f"the exam has sections 0 to {len(specs) - 1}", field="index")
    current = len(attempt.sections or ()) - 1
    if attempt.status != AttemptStatus.IN_PROGRESS or index < current:
        return attempt
    if index > current:
        raise Conflict(f"the {specs[index].skill} section has not started yet", section=index)
    records = [dict(record) for record in attempt.sections]
    deadline = sections.end_section(specs, records, clock.now(), "finished")
    attempt.sections = records
    if deadline is None:
        _score(session, attempt, reason="submitted")
    else:
        closing = _session_closing(session, attempt)
        attempt.deadline = min(deadline, closing) if closing is not None else deadline
    session.flush()
    return attempt


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
    level = AssessedLevel(user_id=attempt.candidate_id, level=attempt.level, basis=attempt.test.purpose,
                          attempt_id=attempt.id, awarded_at=attempt.submitted_at)
    session.add(level)
    if attempt.test.purpose != TestPurpose.CERTIFICATION:
        return
    scores, overall, valid_months = SkillScores(), None, None
    if attempt.test.kind == SECTIONED:
        scores = SkillScores(**{record["skill"]: Decimal(record["score"]) for record in attempt.sections})
        overall = Decimal(str(attempt.overall_score))
        valid_months = attempt.test.config.get("certificate_valid_months", DEFAULT_CERTIFICATE_VALID_MONTHS)
    certificate = certification.issue_certificate(
        session, user_id=attempt.candidate_id, attempt_id=attempt.id, test_title=attempt.test.title,
        test_kind=attempt.test.kind, exam_date=attempt.started_at.date(), level=attempt.level, scores=scores,
        overall=overall, valid_months=valid_months)
    valid_until = certificate.data.get("valid_until")
    level.valid_until = date.fromisoformat(valid_until) if valid_until else None


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
    if attempt.test.kind == SECTIONED:
        _score_sectioned(session, attempt, reason)
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


def _score_sectioned(session: Session, attempt: Attempt, reason: str) -> None:
    """Score each section on 0-10: listening and reading now, writing and speaking when rated.

    A section never reached scores 0, as does a rater-marked section left without any answer.
    """
    specs = sections_of(attempt.test.config)
    records = [dict(record) for record in attempt.sections or ()]
    now = clock.now()
    if records and records[-1]["ended_at"] is None:
        records[-1]["ended_at"], records[-1]["closed_reason"] = now.isoformat(), reason
    responses = {r.item_version_id: r for r in attempt.responses}
    entries = {entry.position: entry.item_version for entry in attempt.test.entries}
    objective_raw = objective_max = 0.0
    for index, spec in enumerate(specs):
        if index == len(records):
            records.append({"started_at": None, "ended_at": None, "closed_reason": "not_reached"})
        raw = maximum = 0.0
        waiting = False
        for position in spec.positions:
            version = entries[position]
            response = responses.get(version.id)
            result = item_types.get(version.item.type).score(
                version.content, version.scoring, response.answer if response else None)
            if response is not None:
                response.points = result.points
            waiting = waiting or result.points is None
            raw += result.points or 0.0
            maximum += result.max_points
        record = records[index]
        record.update(skill=spec.skill, raw=raw, max=maximum)
        if spec.rater_scored:
            record["score"] = None if waiting else "0.0"
        else:
            record["score"] = str(spec.scaled(raw, maximum))
            objective_raw, objective_max = objective_raw + raw, objective_max + maximum
    attempt.sections = records
    attempt.raw_score, attempt.max_score = objective_raw, objective_max
    attempt.submitted_at, attempt.closed_reason = now, reason
    _settle_sectioned(session, attempt)


def _settle_sectioned(session: Session, attempt: Attempt) -> None:
    """The overall score and level once every section has its score; provisional until then."""
    scores = {record["skill"]: record["score"] for record in attempt.sections}
    if any(score is None for score in scores.values()):
        from assessment.rating.services import open_marking

        attempt.status, attempt.level, attempt.overall_score = AttemptStatus.AWAITING_RATING, None, None
        session.flush()
        open_marking(session, attempt)
        return
    result = score_vstep(**{skill: Decimal(score) for skill, score in scores.items()}, on=attempt.started_at.date())
    attempt.overall_score, attempt.level = float(result.overall), result.level_number
    attempt.status = AttemptStatus.SCORED
    _award(session, attempt)
    session.flush()


def settle_rated_sections(session: Session, attempt: Attempt, scores: dict[str, Decimal]) -> None:
    """The raters' section scores are in (assessment.rating): the result and certificate follow."""
    records = [dict(record) for record in attempt.sections]
    for record in records:
        if record["skill"] in scores and record["score"] is None:
            record["score"] = str(scores[record["skill"]])
    attempt.sections = records
    _settle_sectioned(session, attempt)


def record_section_score(session: Session, *, actor: Actor, attempt_id: int, skill: str, score: str) -> Attempt:
    """Override: a test administrator sets a writing or speaking section's 0-10 score (e.g. marked on paper).

    The section's marking still open is withdrawn; the last missing score settles the result.
    Raises PermissionDenied, NotFound, Conflict (not awaiting that score) or RuleViolation.
    """
    from assessment.rating.services import withdraw_open

    if not policies.can_enter_ratings(actor):
        raise PermissionDenied("only test administrators set section scores over the raters' marking")
    attempt = session.get(Attempt, attempt_id, with_for_update=True, populate_existing=True)
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    if attempt.test.kind != SECTIONED or attempt.status != AttemptStatus.AWAITING_RATING:
        raise Conflict("this attempt is not waiting for section scores", attempt_status=attempt.status)
    index = next((i for i, spec in enumerate(sections_of(attempt.test.config))
                  if spec.skill == skill and spec.rater_scored), None)
    if index is None:
        raise RuleViolation("only writing and speaking are scored by raters", field="skill")
    try:
        value = Decimal(score)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 10 or (value * 2) % 1 != 0:
        raise RuleViolation("a section score is a multiple of 0.5 from 0 to 10", field="score")
    records = [dict(record) for record in attempt.sections]
    if records[index]["score"] is not None:
        raise Conflict(f"the {skill} section already has its score", score=records[index]["score"])
    records[index]["score"] = str(value.quantize(Decimal("0.1")))
    attempt.sections = records
    spec = sections_of(attempt.test.config)[index]
    versions = {entry.item_version_id for entry in attempt.test.entries if entry.position in spec.positions}
    withdraw_open(session, [r.id for r in attempt.responses if r.item_version_id in versions],
                  reason=f"{skill} score set by a test administrator")
    audit.record(session, actor=actor, action="attempt.section_score_override", entity_type="attempt",
                 entity_id=attempt.id, skill=skill, score=records[index]["score"])
    _settle_sectioned(session, attempt)
    return attempt


def get_result_for(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """A scored attempt, or a provisional one awaiting raters. Raises Conflict while it is in progress."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise Conflict("this attempt has not been submitted yet")
    return attempt
