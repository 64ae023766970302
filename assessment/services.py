"""Attempts: starting, delivering, timing and handing in; the service API of assessment (answers are
saved by ``assessment.answers``).

Test definitions live in ``assessment.test_definitions`` and scoring in ``assessment.results``;
their public names are re-exported here, where the API layer and the other packages find them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from assessment import adaptive, plays, policies, sections
from assessment.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Response,
    Test,
    TestStatus,
)
from assessment.presentation import new_presentation_key, shown_in
from assessment.results import (
    _finish_adaptive,
    _score,
    record_section_score,
    settle_rated_sections,
)
from assessment.scheduling import admission
from assessment.scheduling.models import TestSession
from assessment.scoring import GivenItem, ShownStimulus
from assessment.sections import SECTIONED, sections_of
from assessment.test_definitions import (
    DEFAULT_CERTIFICATE_VALID_MONTHS,
    SectionDraft,
    TestDraft,
    archive_test,
    create_test,
    get_test,
    get_test_for,
    list_tests,
    publish_test,
    published_tests_holding,
)
from core import clock
from core.accounts import Actor
from core.db import add_all_inserted, add_inserted
from core.errors import Conflict, NotFound, PermissionDenied
from question_bank.models import Stimulus
from question_bank.statistics import count_exposures, exposure_count

__all__ = [
    "DEFAULT_CERTIFICATE_VALID_MONTHS", "DeliveredItem", "SectionDraft", "TestDraft", "TimeUp", "archive_test",
    "close_expired_attempts", "close_expired_attempts_of", "close_if_time_is_up", "create_test", "delivered_items",
    "finish_section",
    "get_attempt_for", "get_result_for", "get_test", "get_test_for", "list_tests", "publish_test",
    "published_tests_holding",
    "record_section_score", "settle_rated_sections", "start_attempt", "start_play",
    "submit_attempt",
]


@dataclass(frozen=True, slots=True)
class DeliveredItem:
    """What a candidate sees of one item: its content and their own answer, never its key."""

    position: int
    type: str
    skill: str
    content: dict[str, Any]
    answer: dict[str, Any] | None
    stimulus: ShownStimulus | None  # the passage or recording to show with it


def start_attempt(session: Session, *, actor: Actor, test_id: int) -> Attempt:
    """Start an attempt at a published test. Raises Conflict if one is already in progress, or the
    errors of ``admission.admit`` when the test's sessions or eligibility rules refuse the candidate."""
    if not policies.can_take_tests(actor):
        raise PermissionDenied("only candidates can take tests")
    test = get_test(session, test_id)
    if test.status == TestStatus.ARCHIVED:  # it was open to candidates: say why it no longer is
        raise Conflict(f"test {test_id} has been archived: it takes no new attempts", field="test_id")
    if test.status != TestStatus.PUBLISHED:
        raise NotFound(f"test {test_id} does not exist", field="test_id")
    close_expired_attempts_of(session, [actor.id])  # an attempt whose time ran out is not in progress
    existing = session.scalar(select(Attempt.id).where(
        Attempt.test_id == test.id, Attempt.candidate_id == actor.id,
        Attempt.status == AttemptStatus.IN_PROGRESS))
    if existing is not None:
        raise Conflict("you already have an attempt in progress at this test", attempt_id=existing)
    started = clock.now()
    deadline = started + timedelta(seconds=test.time_limit_seconds) if test.time_limit_seconds else None
    attempt = Attempt(test_id=test.id, candidate_id=actor.id, started_at=started, deadline=deadline,
                      presentation_key=new_presentation_key(),
                      administered=[], responses=[])  # known empty: spares reading them back
    admission.admit(session, actor=actor, test=test, attempt=attempt)  # sessions and eligibility rules
    if test.kind == SECTIONED:  # after admission, which ties the attempt to its session: no section outruns it
        first = sections_of(test.config)[0]
        attempt.sections = [sections.start_record(first, started, _session_closing(session, attempt))]
        attempt.deadline = sections.deadline_of(first, attempt.sections[0])
    session.add(attempt)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent request started one between the check and the insert.
        raise Conflict("you already have an attempt in progress at this test") from None
    if test.kind == "adaptive":
        stop = administer_next(session, attempt, {})
        if stop is not None:  # nothing the engine may give (exposure caps, say): ended, not left with no item
            _finish_adaptive(session, attempt, "finished", closed_at=started, engine_stop=stop)
    else:
        count_exposures(session, [entry.item_version_id for entry in test.entries])
    return attempt


def administer_next(session: Session, attempt: Attempt, scores: dict[int, float], *,
                    answered: Response | None = None) -> str | None:
    """Give the engine's next item; once the test is over, give none and return the engine's reason to stop.

    ``answered`` is the new answer the scores include, not yet stored: it is written with the item given next
    and that item's exposure, in one statement (``add_all_inserted``), instead of a round trip each.
    """
    engine = adaptive.ENGINES.get(session, attempt.test)
    step = adaptive.next_step(engine, list(attempt.administered), scores, np.random.default_rng())
    if step.done:
        assert step.stop_reason is not None  # the engine says why it gives nothing
        if answered is not None:
            add_inserted(session, answered)
        return step.stop_reason
    already_aside = {name for entry in attempt.administered for name in entry.set_aside}
    given = AttemptItem(
        attempt_id=attempt.id, position=len(attempt.administered) + 1, item_version_id=int(step.item_id),
        set_aside=[name for name in step.set_aside if name not in already_aside], administered_at=clock.now())
    add_all_inserted(session, [given] if answered is None else [answered, given],
                     also=exposure_count(session, given.item_version_id))
    set_committed_value(attempt, "administered", [*attempt.administered, given])  # loaded: no reading again
    return None


class TimeUp(Conflict):
    """An answer arrived after the attempt's time ran out; the attempt is now closed and scored."""

    slug, title = "time-up", "Time is up"
    keeps_changes = True


def get_attempt_for(session: Session, *, actor: Actor, attempt_id: int, for_update: bool = False) -> Attempt:
    """The attempt, closed and scored first if its time ran out. Raises NotFound, also for an attempt the
    actor may not see: a 403 there would tell another candidate which attempt ids exist.

    ``for_update`` locks the attempt's row until the transaction ends (PostgreSQL), so that two
    requests changing one attempt at once take turns instead of both acting on what they read.
    """
    attempt = _load_attempt(session, attempt_id, for_update)
    if attempt is None or not policies.can_view_attempt(actor, attempt):
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    close_if_time_is_up(session, attempt)
    return attempt


# Built once: every answer runs one of them, and building the statement costs more than running it.
_ATTEMPT_READ = (select(Attempt, Response).join(Attempt.test)
                 .outerjoin(AttemptItem, AttemptItem.attempt_id == Attempt.id)
                 .outerjoin(Response, and_(Response.attempt_id == Attempt.id,
                                           Response.item_version_id == AttemptItem.item_version_id))
                 .options(contains_eager(Attempt.test), contains_eager(Attempt.administered))
                 .where(Attempt.id == bindparam("attempt_id")).order_by(AttemptItem.position))
_ATTEMPT_LOCKED = _ATTEMPT_READ.with_for_update(of=Attempt)
# The same, replacing what the session already holds of the attempt with what the database holds now: a
# refresh populates the attempt and its test again from every row, so it is asked for only when needed.
_ATTEMPT_REREAD = {locked: statement.execution_options(populate_existing=True)
                   for locked, statement in ((False, _ATTEMPT_READ), (True, _ATTEMPT_LOCKED))}


def _load_attempt(session: Session, attempt_id: int, for_update: bool) -> Attempt | None:
    """The attempt with its test and, in the same query, an adaptive attempt's items given and answers.

    Every answer of an adaptive attempt is to an item it gave, so each row pairs an item given with its
    answer, if any: one round trip instead of three on every answer, where the engine needs them all.
    Other attempts give no items; their answers stay to be read when needed.
    """
    if identity_key(Attempt, attempt_id) in session.identity_map:  # read before (unlocked, or since changed)
        statement = _ATTEMPT_REREAD[for_update]
    else:  # nothing to replace: adaptive items and answers never change once written, nor a test once taken
        statement = _ATTEMPT_LOCKED if for_update else _ATTEMPT_READ
    rows = session.execute(statement, {"attempt_id": attempt_id}).unique().all()  # rows repeat the attempt
    if not rows:
        return None
    attempt = rows[0].Attempt
    if attempt.test.kind == "adaptive":
        set_committed_value(attempt, "responses", [row.Response for row in rows if row.Response is not None])
    return attempt


def close_if_time_is_up(session: Session, attempt: Attempt) -> bool:
    """Score an attempt whose deadline has passed, with the answers given in time.

    It counts as handed in when its time ran out, not when that was noticed (the next request or the
    sweep): the hand-in time dates the level and starts the retake wait.
    """
    now = clock.now()
    if not attempt.time_is_up(now):
        return False
    ended_at = attempt.deadline
    if attempt.test.kind == SECTIONED:
        records = [dict(record) for record in attempt.sections or ()]
        _, deadline = sections.catch_up(sections_of(attempt.test.config), records, now,
                                        _session_closing(session, attempt))
        attempt.sections = records
        if deadline is not None:  # a later section is running now
            attempt.deadline = deadline
            session.flush()
            return True
        ended_at = datetime.fromisoformat(records[-1]["ended_at"])
    _score(session, attempt, reason="time_up", closed_at=ended_at)
    return True


def _session_closing(session: Session, attempt: Attempt) -> datetime | None:
    """When the session the attempt is sat in closes (None: not sat in one): no section runs past it."""
    if attempt.test_session_id is None:
        return None
    return session.scalar(select(TestSession.closes_at).where(TestSession.id == attempt.test_session_id))


def _expired(*conditions: Any) -> Select[tuple[Attempt]]:
    return select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline.is_not(None),
                                 Attempt.deadline <= clock.now(), *conditions)


def close_expired_attempts(session: Session) -> int:
    """The periodic sweep: close every attempt whose time ran out. Returns how many were closed: a sectioned
    exam whose section ended and whose next one runs now is moved on, not closed."""
    closed = 0
    for attempt in session.scalars(_expired()):
        close_if_time_is_up(session, attempt)
        closed += attempt.status != AttemptStatus.IN_PROGRESS
    return closed


def close_expired_attempts_of(session: Session, candidate_ids: Collection[int]) -> None:
    """Close these candidates' attempts whose time ran out, before their attempts are counted: one nobody has
    noticed yet was handed in at its deadline all the same, for the retake wait as for a new start. Each is
    locked first (PostgreSQL), so that a request closing it at the same moment waits and then finds it closed."""
    if not candidate_ids:
        return
    expired = _expired(Attempt.candidate_id.in_(sorted(candidate_ids))).order_by(Attempt.id)
    for attempt in session.scalars(expired.with_for_update(of=Attempt).execution_options(populate_existing=True)):
        close_if_time_is_up(session, attempt)


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
        pairs = [(entry.position, GivenItem.of(entry.item_version)) for entry in attempt.test.entries
                 if entry.position in current.positions]
    elif attempt.test.kind == "adaptive":  # the item waiting, from the process's cache of the test's pool
        pairs = [(entry.position, adaptive.ENGINES.item(session, attempt.test, entry.item_version_id))
                 for entry in attempt.administered if entry.item_version_id not in answers]
    else:
        pairs = [(entry.position, GivenItem.of(entry.item_version)) for entry in attempt.test.entries]
    stimuli = plays.with_plays_left(session, attempt.id, _stimuli_of(
        session, attempt.test, {item.stimulus_id for _, item in pairs} - {None}))
    delivered = []
    for position, item in pairs:
        shown = shown_in(attempt, item)
        delivered.append(DeliveredItem(position=position, type=item.type, skill=item.skill or "", content=shown.content,
                                       answer=shown.answer_for_candidate(answers.get(item.item_version_id)),
                                       stimulus=stimuli.get(item.stimulus_id)))
    return delivered


def _stimuli_of(session: Session, test: Test, ids: set[int]) -> dict[int | None, ShownStimulus]:
    """The passages and recordings shown with a test's items: an adaptive test's from the process's cache
    (one item at a time, on every answer), another test's in one query."""
    if test.kind == "adaptive":
        return {stimulus_id: adaptive.ENGINES.stimulus(session, test, stimulus_id) for stimulus_id in ids}
    if not ids:
        return {}
    return {stimulus.id: ShownStimulus.of(stimulus)
            for stimulus in session.scalars(select(Stimulus).where(Stimulus.id.in_(ids)))}


def start_play(session: Session, *, actor: Actor, attempt_id: int, stimulus_id: int,
               idempotency_key: str | None = None) -> plays.IssuedPlay:
    """Start one play of a recording shown in the attempt now (assessment.plays), counted against its limit.

    Only the attempt's candidate, while it is in progress, plays the recordings of the items it shows
    (a sectioned exam: those of the section running). The attempt's row is locked, so requests made at
    once are counted one after the other. Raises plays.NoPlaysLeft, TimeUp, Conflict for an attempt that
    has ended, NotFound for a stimulus the attempt does not show now.
    """
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can play the recordings of their attempt")
    if attempt.closed_reason == "time_up":
        raise TimeUp("time is up: the attempt has ended", deadline=attempt.deadline.isoformat()
                     if attempt.deadline else None)
    attempt.ensure_open()
    shown = next((item.stimulus for item in delivered_items(session, attempt)
                  if item.stimulus is not None and item.stimulus.id == stimulus_id), None)
    if shown is None and attempt.test.kind == SECTIONED and any(
            entry.item_version.stimulus_id == stimulus_id for entry in attempt.test.entries):
        raise Conflict(f"stimulus {stimulus_id} belongs to a section that is not running", field="stimulus_id")
    if shown is None:
        raise NotFound(f"stimulus {stimulus_id} is not shown in this attempt now", field="stimulus_id")
    return plays.record_play(session, attempt, shown, idempotency_key)


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
    deadline = sections.end_section(specs, records, clock.now(), "finished", _session_closing(session, attempt))
    attempt.sections = records
    if deadline is None:
        _score(session, attempt, reason="submitted")
    else:
        attempt.deadline = deadline
    session.flush()
    return attempt


def submit_attempt(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """Score an attempt and award its level. Raises Conflict if it was already submitted."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can submit their attempt")
    attempt.ensure_open()
    _score(session, attempt, reason="submitted")
    return attempt


def get_result_for(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """A scored attempt, or a provisional one awaiting raters. Raises Conflict while it is in progress."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise Conflict("this attempt has not been submitted yet")
    return attempt
