"""Answers: saving a candidate's answer at a position, once per idempotency key, and the next adaptive item.

An adaptive test checks, scores and gives its next item with each answer; a fixed or sectioned test saves the
answer (sectioned: to the section running now) and scores at hand-in. Retries with a key already used replay
what was saved and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from assessment import adaptive, answer_requests, policies, sections
from assessment.models import AnswerRequest, Attempt, AttemptStatus, Response, TestItem
from assessment.presentation import shown_in
from assessment.results import _engine_scores, _finish_adaptive
from assessment.scoring import GivenItem
from assessment.sections import SECTIONED, sections_of
from assessment.services import DeliveredItem, TimeUp, administer_next, delivered_items, get_attempt_for
from core import clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import MediaObject
from question_bank.uploads import was_uploaded_by

__all__ = ["SavedAnswer", "check_recording", "save_response"]


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    response: Response
    answer: dict[str, Any]  # the saved answer as the candidate's client knows it (assessment.presentation)
    position: int
    next_position: int | None  # adaptive: the item given next; None when the test has ended
    finished: bool
    next_item: DeliveredItem | None = None  # adaptive: that item as the candidate sees it, to show at once


def save_response(session: Session, *, actor: Actor, attempt_id: int, position: int, answer: dict[str, Any],
                  idempotency_key: str | None = None) -> SavedAnswer:
    """Record the answer at one position; a retry with the same idempotency key is recorded once.

    Raises Conflict once the attempt is submitted or for a revisited adaptive item, RuleViolation
    for an answer of the wrong shape or a key reused for a different answer.
    """
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id, for_update=True)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can answer their attempt")
    adaptive_test = attempt.test.kind == "adaptive"
    if idempotency_key is not None and adaptive_test:  # its answers never change: each Response holds its key
        earlier = _answer_where(session, attempt, Response.idempotency_key, idempotency_key)
        if earlier is not None:
            return _replayed(session, attempt, earlier, position, answer)
    elif idempotency_key is not None:
        request = answer_requests.find_request(session, attempt.id, idempotency_key)
        if request is not None:
            return _replayed_request(session, attempt, request, position, answer)
    if attempt.closed_reason == "time_up":
        raise TimeUp("time is up: this answer came after the attempt's deadline and was not recorded",
                     deadline=attempt.deadline.isoformat() if attempt.deadline else None)
    attempt.ensure_open()
    item = _item_at(session, attempt, position)
    if attempt.test.kind == SECTIONED:
        _check_section_open(attempt, position)
    shown = shown_in(attempt, item)
    answer = shown.answer_for_item(answer)
    item_type = item_types.get(item.type)
    item_type.check_answer(item.content, answer)
    if "audio" in answer and item_type.rater_scored:
        check_recording(session, answer["audio"], uploaded_by=actor.id)
    response = _answer_where(session, attempt, Response.item_version_id, item.item_version_id)
    if adaptive_test and response is not None:
        raise Conflict("an adaptive test does not let you change an answer once it is given", position=position)
    if adaptive_test:  # written below, with the item given next
        response = Response(
            attempt_id=attempt.id, item_version_id=item.item_version_id, answer=answer, answered_at=clock.now(),
            idempotency_key=idempotency_key, points=item_type.score(item.content, item.scoring, answer).points)
        set_committed_value(attempt, "responses", [*attempt.responses, response])  # loaded with the attempt
    else:
        if response is None:
            response = Response(attempt_id=attempt.id, item_version_id=item.item_version_id)
            session.add(response)
        response.answer, response.answered_at, response.idempotency_key = answer, clock.now(), idempotency_key
        if idempotency_key is not None:
            answer_requests.remember_request(session, attempt.id, idempotency_key, position, answer)
        session.flush()
        return SavedAnswer(response=response, answer=shown.answer_for_candidate(answer), position=position,
                           next_position=None, finished=False)
    engine_stop = administer_next(session, attempt, _engine_scores(session, attempt), answered=response)
    if engine_stop is None:
        waiting = _waiting_item(session, attempt)
        assert waiting is not None  # the item just given
        return SavedAnswer(response=response, answer=shown.answer_for_candidate(answer), position=position,
                           next_position=waiting.position, finished=False, next_item=waiting)
    _finish_adaptive(session, attempt, "finished", closed_at=clock.now(), engine_stop=engine_stop)
    return SavedAnswer(response=response, answer=shown.answer_for_candidate(answer), position=position,
                       next_position=None, finished=True)


def _item_at(session: Session, attempt: Attempt, position: int) -> GivenItem:
    """The item version at ``position``: an adaptive test's from the items given (in memory) and the
    process's cache of its pool; a fixed or sectioned test's from its entry."""
    if attempt.test.kind == "adaptive":
        given = next((entry for entry in attempt.administered if entry.position == position), None)
        if given is None:
            raise NotFound(f"this attempt has not given an item at position {position}", field="position")
        return adaptive.ENGINES.item(session, attempt.test, given.item_version_id)
    test_entry = session.get(TestItem, (attempt.test_id, position))
    if test_entry is None:
        raise NotFound(f"this test has no item at position {position}", field="position")
    return GivenItem.of(test_entry.item_version)


def _answer_where(session: Session, attempt: Attempt, column: Any, value: Any) -> Response | None:
    """The attempt's answer whose ``column`` holds ``value``. An adaptive attempt's few answers are read
    whole (the engine needs them all anyway); a fixed or sectioned test's answer is looked up alone."""
    if attempt.test.kind == "adaptive":
        return next((r for r in attempt.responses if getattr(r, column.key) == value), None)
    return session.scalar(select(Response).where(Response.attempt_id == attempt.id, column == value))


def _check_section_open(attempt: Attempt, position: int) -> None:
    """Answers go to the section running now. Raises TimeUp, or Conflict for another section."""
    specs = sections_of(attempt.test.config)
    index = sections.section_at(specs, position)
    assert index is not None  # the position exists: _item_at found it
    current = len(attempt.sections or ()) - 1
    skill = specs[index].skill
    if index < current:
        if attempt.sections[index]["closed_reason"] == "time_up":
            raise TimeUp(f"time is up for the {skill} section: this answer came after its end and was not recorded",
                         section=index, ended_at=attempt.sections[index]["ended_at"])
        raise Conflict(f"you have finished the {skill} section; its answers can no longer change", section=index)
    if index > current:
        raise Conflict(f"the {skill} section has not started yet", section=index)


def check_recording(session: Session, sha256: Any, *, uploaded_by: int | None) -> None:
    """A spoken answer names a recording ``uploaded_by`` uploaded first (None: anyone's, as a benchmark script
    may). Another candidate's recording or an exam's listening recording is refused as an unknown one is, so
    the refusal does not tell whether such a recording exists. Raises RuleViolation."""
    stored = session.get(MediaObject, sha256) if isinstance(sha256, str) else None
    if stored is None or not stored.mime_type.startswith("audio/") \
            or (uploaded_by is not None and not was_uploaded_by(session, stored, uploaded_by)):
        raise RuleViolation("upload the recording first (POST /api/v1/uploads, resumable; or POST /api/v1/media) "
                            "and give its sha256",
                            field="answer.audio")


def _replayed(session: Session, attempt: Attempt, earlier: Response, position: int,
              answer: dict[str, Any]) -> SavedAnswer:
    if _position_of(session, attempt, earlier.item_version_id) != position:
        raise _key_reused()
    shown = shown_in(attempt, _item_at(session, attempt, position))
    if earlier.answer != shown.answer_for_item(answer):
        raise _key_reused()
    waiting = _waiting_item(session, attempt)
    finished = attempt.status != AttemptStatus.IN_PROGRESS
    return SavedAnswer(response=earlier, answer=shown.answer_for_candidate(earlier.answer), position=position,
                       next_position=waiting.position if waiting else None,
                       finished=finished and attempt.test.kind == "adaptive", next_item=waiting)


def _replayed_request(session: Session, attempt: Attempt, request: AnswerRequest, position: int,
                      answer: dict[str, Any]) -> SavedAnswer:
    """A retry of an answer already saved to a fixed or sectioned test: nothing is written, and the reply is
    the answer as it stands now (a later request may have changed it). Raises RuleViolation for a key used
    for a different answer or position."""
    if request.position != position:
        raise _key_reused()
    item = _item_at(session, attempt, position)
    shown = shown_in(attempt, item)
    if not answer_requests.is_same_request(request, position, shown.answer_for_item(answer)):
        raise _key_reused()
    current = _answer_where(session, attempt, Response.item_version_id, item.item_version_id)
    assert current is not None  # a saved answer is changed, never removed
    return SavedAnswer(response=current, answer=shown.answer_for_candidate(current.answer), position=position,
                       next_position=None, finished=False)


def _key_reused() -> RuleViolation:
    return RuleViolation("this idempotency key was used for a different answer", field="Idempotency-Key")


def _waiting_item(session: Session, attempt: Attempt) -> DeliveredItem | None:
    """The item an adaptive attempt waits an answer to, sent with the answer before it so that a client
    shows it without asking again; None once the test has ended, and for other tests (they show all)."""
    if attempt.test.kind != "adaptive" or attempt.status != AttemptStatus.IN_PROGRESS:
        return None
    waiting = delivered_items(session, attempt)
    return waiting[-1] if waiting else None


def _position_of(session: Session, attempt: Attempt, item_version_id: int) -> int | None:
    entries = attempt.administered if attempt.test.kind == "adaptive" else attempt.test.entries
    return next((entry.position for entry in entries if entry.item_version_id == item_version_id), None)

