"""Calibrating the bank from stored answers: parameters recovered, provisional ones replaced, anchors kept."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.bank_calibration import calibrate_bank
from assessment.models import Attempt, AttemptStatus, Response, Test
from core.errors import PermissionDenied, RuleViolation
from question_bank.models import ItemStatistics
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import single_choice_spec


@pytest.fixture
def answered_bank(factory, db_session):
    """Ten items answered by 600 simulated candidates under known 2PL parameters."""
    rng = np.random.default_rng(7)
    author, reviewer, admin = factory.user("author"), factory.user("reviewer"), factory.user("test_admin")
    a = rng.uniform(0.8, 2.0, 10)
    b = np.linspace(-1.8, 1.8, 10)
    items = [factory.approved_item(author, reviewer, **single_choice_spec()) for _ in range(10)]
    for item in items:
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.0, b=0.0), calibrated_at=None)
    test = Test(title="Field test", purpose="practice", cut_scores=[], created_by=admin.id)
    db_session.add(test)
    db_session.flush()
    thetas = rng.normal(size=600)
    for theta in thetas:
        person = factory.user("candidate")
        attempt = Attempt(test_id=test.id, candidate_id=person.id, status=AttemptStatus.SCORED)
        db_session.add(attempt)
        db_session.flush()
        p = 1 / (1 + np.exp(-a * (theta - b)))
        for item, right in zip(items, rng.random(10) < p, strict=True):
            db_session.add(Response(attempt_id=attempt.id, item_version_id=item.current_version_id,
                                    answer={"choice": "B"}, points=float(right)))
    db_session.flush()
    return admin, items, a, b


def test_stored_answers_recover_the_parameters(answered_bank, db_session):
    admin, items, _a, b = answered_bank
    outcome = calibrate_bank(db_session, actor=admin.as_actor(), model="2pl", min_responses=100)
    assert (outcome.estimated, outcome.anchors, outcome.responses) == (10, 0, 6000)
    stats = [db_session.get(ItemStatistics, item.current_version_id) for item in items]
    estimated_b = np.array([s.irt_b for s in stats])
    assert np.corrcoef(estimated_b, b)[0, 1] > 0.97
    assert all(not s.irt_provisional and s.calibrated_at is not None and s.irt_se_b > 0 for s in stats)
    assert all(s.response_count == 600 for s in stats)


def test_calibrated_items_anchor_the_next_run(answered_bank, db_session):
    admin, items, _a, _b = answered_bank
    calibrate_bank(db_session, actor=admin.as_actor(), min_responses=100)
    anchored = db_session.get(ItemStatistics, items[0].current_version_id)
    before = (anchored.irt_a, anchored.irt_b)
    for item in items[5:]:
        db_session.get(ItemStatistics, item.current_version_id).irt_provisional = True
    outcome = calibrate_bank(db_session, actor=admin.as_actor(), min_responses=100)
    assert (outcome.estimated, outcome.anchors) == (5, 5)
    assert (anchored.irt_a, anchored.irt_b) == before


def test_too_few_answers_and_wrong_callers_are_refused(answered_bank, db_session, factory):
    admin, *_ = answered_bank
    with pytest.raises(RuleViolation):
        calibrate_bank(db_session, actor=admin.as_actor(), min_responses=10_000)
    with pytest.raises(PermissionDenied):
        calibrate_bank(db_session, actor=factory.user("author").as_actor())
    with pytest.raises(RuleViolation):
        calibrate_bank(db_session, actor=admin.as_actor(), model="gpcm")


def test_items_worth_more_than_a_point_are_calibrated_right_at_full_marks(factory, db_session):
    """Items worth 2 points (1 for a partly right answer) were all skipped as partial credit, so they never got
    parameters; they are right or wrong at full marks, as the adaptive engine takes them. Essays are never
    right or wrong, even when a rater gave one a single point."""
    rng = np.random.default_rng(11)
    author, reviewer, admin = factory.user("author"), factory.user("reviewer"), factory.user("test_admin")
    b = np.linspace(-1.5, 1.5, 8)
    items = [factory.approved_item(author, reviewer, type="multiple_response", content={
        "stem": f"Pick the two verbs ({index}).", "options": [{"id": o, "text": o} for o in "ABCD"]},
        scoring={"correct": ["A", "B"], "method": "partial", "points": 2}) for index in range(8)]
    essay = factory.approved_item(author, reviewer, type="essay", skill="writing",
                                  content={"stem": "Write about your work.", "min_words": 120, "max_words": 200},
                                  scoring={"rubric": "vstep-writing-task1"})
    test = Test(title="Field test", purpose="practice", cut_scores=[], created_by=admin.id)
    db_session.add(test)
    db_session.flush()
    for theta in rng.normal(size=500):
        attempt = Attempt(test_id=test.id, candidate_id=factory.user("candidate").id, status=AttemptStatus.SCORED)
        db_session.add(attempt)
        db_session.flush()
        p = 1 / (1 + np.exp(-1.4 * (theta - b)))
        for item, right, half in zip(items, rng.random(8) < p, rng.random(8) < 0.5, strict=True):
            db_session.add(Response(attempt_id=attempt.id, item_version_id=item.current_version_id,
                                    answer={"choices": ["A", "B"]}, points=2.0 if right else 1.0 if half else 0.0))
        db_session.add(Response(attempt_id=attempt.id, item_version_id=essay.current_version_id,
                                answer={"text": "..."}, points=float(rng.integers(0, 2))))
    db_session.flush()
    outcome = calibrate_bank(db_session, actor=admin.as_actor(), model="2pl", min_responses=100)
    assert (outcome.estimated, outcome.responses) == (8, 4000)
    assert outcome.skipped == {essay.current_version_id: "scored by raters, not right or wrong: the adaptive "
                                                          "engine does not give it"}
    estimated_b = np.array([db_session.get(ItemStatistics, item.current_version_id).irt_b for item in items])
    assert np.corrcoef(estimated_b, b)[0, 1] > 0.97
    assert np.abs(estimated_b - b).max() < 0.5  # 1 point of 2 counted wrong: counted right, every b falls by ~1


def test_a_retake_counts_once_an_item_everyone_got_right_is_skipped_and_a_miskeyed_one_is_not_stored(
        answered_bank, factory, db_session):
    """A candidate answering an item twice made the whole run fail, as did one item everyone got right; a
    miskeyed item was stored with b near 100 and taken for calibrated."""
    from sqlalchemy import select, update

    admin, items, _a, _b = answered_bank
    easy = factory.approved_item(factory.user("author"), factory.user("reviewer"), **single_choice_spec())
    first_attempts = db_session.scalars(select(Attempt).order_by(Attempt.id)).all()
    for attempt in first_attempts:
        db_session.add(Response(attempt_id=attempt.id, item_version_id=easy.current_version_id,
                                answer={"choice": "B"}, points=1.0))
    retake = Attempt(test_id=first_attempts[0].test_id, candidate_id=first_attempts[0].candidate_id,
                     status=AttemptStatus.SCORED)
    db_session.add(retake)
    db_session.flush()
    db_session.add_all(Response(attempt_id=retake.id, item_version_id=item.current_version_id,
                                answer={"choice": "B"}, points=1.0) for item in items)
    miskeyed = items[0].current_version_id  # its key reversed: the able get it wrong
    db_session.execute(update(Response).where(Response.item_version_id == miskeyed)
                       .values(points=1.0 - Response.points), execution_options={"synchronize_session": False})
    db_session.flush()

    with pytest.raises(RuleViolation, match="no item has enough"):  # 601 answers each, from 600 people
        calibrate_bank(db_session, actor=admin.as_actor(), model="2pl", min_responses=601)
    outcome = calibrate_bank(db_session, actor=admin.as_actor(), model="2pl", min_responses=100)
    assert outcome.responses == 600 * 10  # the retake's answers are not counted again, nor the easy item's
    assert outcome.skipped[easy.current_version_id] == "every answer right: nothing to estimate it from"
    assert outcome.skipped[miskeyed].startswith("estimated ") and "check its key" in outcome.skipped[miskeyed]
    assert (outcome.estimated, outcome.anchors) == (9, 0)
    kept = db_session.get(ItemStatistics, miskeyed)
    assert (kept.irt_a, kept.irt_b, kept.irt_provisional) == (1.0, 0.0, True)  # as it was before the run
