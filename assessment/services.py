"""Test definitions, attempts and scoring for fixed tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment import policies, scoring
from assessment.models import (
    AssessedLevel,
    Attempt,
    AttemptStatus,
    Response,
    Test,
    TestItem,
    TestPurpose,
    TestStatus,
)
from core import clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatus, ItemVersion


@dataclass(frozen=True, slots=True)
class TestDraft:
    __test__ = False

    title: str
    purpose: str
    item_ids: Sequence[int]
    cut_scores: Sequence[dict[str, Any]]
    description: str = ""


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
                cut_scores=[dict(cut) for cut in draft.cut_scores], created_by=actor.id)
    test.entries = [
        TestItem(position=position, item_version_id=items[item_id].current_version_id)
        for position, item_id in enumerate(draft.item_ids, start=1)
    ]
    session.add(test)
    session.flush()
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
    """Start an attempt at a published test. Raises Conflict if one is already in progress."""
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
    attempt = Attempt(test_id=test.id, candidate_id=actor.id, started_at=clock.now())
    session.add(attempt)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent request started one between the check and the insert.
        raise Conflict("you already have an attempt in progress at this test") from None
    return attempt


def get_attempt_for(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """Raises NotFound for a missing attempt, PermissionDenied for someone else's."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} does not exist", field="attempt_id")
    if not policies.can_view_attempt(actor, attempt):
        raise PermissionDenied("this attempt belongs to another candidate")
    return attempt


def delivered_items(session: Session, attempt: Attempt) -> list[DeliveredItem]:
    """The attempt's items as the candidate sees them, with their saved answers."""
    answers = {r.item_version_id: r.answer for r in attempt.responses}
    rows = session.execute(
        select(TestItem.position, ItemVersion, Item.type, Item.skill)
        .join(ItemVersion, ItemVersion.id == TestItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .where(TestItem.test_id == attempt.test_id)
        .order_by(TestItem.position)
    ).all()
    return [DeliveredItem(position=position, type=item_type, skill=skill, content=version.content,
                          answer=answers.get(version.id))
            for position, version, item_type, skill in rows]


def _entry_at(session: Session, attempt: Attempt, position: int) -> TestItem:
    entry = session.get(TestItem, (attempt.test_id, position))
    if entry is None:
        raise NotFound(f"this test has no item at position {position}", field="position")
    return entry


def save_response(session: Session, *, actor: Actor, attempt_id: int, position: int,
                  answer: dict[str, Any]) -> Response:
    """Record (or replace) the answer at one position. Raises Conflict once the attempt is submitted."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can answer their attempt")
    attempt.ensure_open()
    entry = _entry_at(session, attempt, position)
    version = entry.item_version
    item_types.get(version.item.type).check_answer(version.content, answer)
    response = session.scalar(select(Response).where(
        Response.attempt_id == attempt.id, Response.item_version_id == version.id))
    if response is None:
        response = Response(attempt_id=attempt.id, item_version_id=version.id, answer=answer,
                            answered_at=clock.now())
        session.add(response)
    else:
        response.answer, response.answered_at = answer, clock.now()
    session.flush()
    return response


def submit_attempt(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """Score an attempt and award its level. Raises Conflict if it was already submitted."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if not policies.can_answer_attempt(actor, attempt):
        raise PermissionDenied("only the candidate can submit their attempt")
    attempt.ensure_open()
    responses = {r.item_version_id: r for r in attempt.responses}
    raw = maximum = 0.0
    for entry in attempt.test.entries:
        version = entry.item_version
        response = responses.get(version.id)
        result = item_types.get(version.item.type).score(
            version.content, version.scoring, response.answer if response else None)
        if response is not None:
            response.points = result.points
        raw += result.points
        maximum += result.max_points
    attempt.raw_score, attempt.max_score = raw, maximum
    attempt.level = scoring.level_for_raw_score(attempt.test.cut_scores, raw)
    attempt.status, attempt.submitted_at = AttemptStatus.SCORED, clock.now()
    if attempt.level is not None and attempt.test.purpose in (TestPurpose.CERTIFICATION, TestPurpose.PLACEMENT):
        session.add(AssessedLevel(user_id=attempt.candidate_id, level=attempt.level,
                                  basis=attempt.test.purpose, attempt_id=attempt.id,
                                  awarded_at=attempt.submitted_at))
    session.flush()
    return attempt


def get_result_for(session: Session, *, actor: Actor, attempt_id: int) -> Attempt:
    """A scored attempt. Raises Conflict while it is still in progress."""
    attempt = get_attempt_for(session, actor=actor, attempt_id=attempt_id)
    if attempt.status != AttemptStatus.SCORED:
        raise Conflict("this attempt has not been submitted yet")
    return attempt
