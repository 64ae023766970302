"""The server's clock decides: late answers are refused, and an attempt out of time is closed and scored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assessment.models import AssessedLevel, Attempt
from assessment.services import close_expired_attempts
from tests.factories import CLOCK_START, published_test


@pytest.fixture
def timed_test(api_as, factory):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = [factory.approved_item(author, reviewer, scoring={"correct": "B"}) for _ in range(3)]
    return published_test(api_as("test_admin"), [item.id for item in items], title="Timed", purpose="certification",
                          cut_scores=[{"level": 2, "min_score": 1}, {"level": 3, "min_score": 2}],
                          time_limit_seconds=600)


def test_a_late_answer_is_refused_and_the_attempt_closed_and_scored(api_as, timed_test, fake_clock):
    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{timed_test['id']}/attempts").json
    assert attempt["seconds_left"] == 600
    assert attempt["deadline"].startswith("2026-11-23T09:10:00")
    fake_clock.advance(minutes=4)
    assert candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/1",
                         json={"answer": {"choice": "B"}}).status_code == 200
    assert candidate.get(f"/api/v1/attempts/{attempt['id']}").json["seconds_left"] == 360
    fake_clock.advance(minutes=6, seconds=1)
    late = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/2", json={"answer": {"choice": "B"}})
    assert late.status_code == 409
    assert late.content_type == "application/problem+json"
    assert late.json["type"].endswith("/time-up") and "time is up" in late.json["detail"]
    result = candidate.get(f"/api/v1/attempts/{attempt['id']}/result").json
    assert (result["status"], result["closed_reason"], result["raw_score"], result["level"]) == (
        "scored", "time_up", 1.0, 2)  # only the answer given in time counts


def test_an_attempt_out_of_time_closes_on_its_next_access(api_as, timed_test, fake_clock, db_session):
    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{timed_test['id']}/attempts").json
    attempt_id = attempt["id"]
    candidate.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}})
    fake_clock.advance(hours=5)
    view = candidate.get(f"/api/v1/attempts/{attempt_id}").json
    assert (view["status"], view["closed_reason"], view["seconds_left"]) == ("scored", "time_up", None)
    # Handed in when the time ran out, hours before anyone looked: the level dates from then.
    assert view["submitted_at"] == attempt["deadline"]
    level = db_session.scalar(select(AssessedLevel).where(AssessedLevel.attempt_id == attempt_id))
    assert level.awarded_at.isoformat() == attempt["deadline"]
    assert candidate.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 409


def test_the_sweep_closes_every_attempt_whose_time_ran_out(api_as, timed_test, fake_clock, db_session):
    ids = [api_as("candidate").post(f"/api/v1/tests/{timed_test['id']}/attempts").json["id"] for _ in range(3)]
    fake_clock.advance(minutes=5)
    late_starter = api_as("candidate").post(f"/api/v1/tests/{timed_test['id']}/attempts").json["id"]
    fake_clock.advance(minutes=6)
    assert close_expired_attempts(db_session) == 3
    statuses = {attempt_id: db_session.get(Attempt, attempt_id).status for attempt_id in [*ids, late_starter]}
    assert statuses == {**dict.fromkeys(ids, "scored"), late_starter: "in_progress"}
    assert {db_session.get(Attempt, attempt_id).submitted_at for attempt_id in ids} == {
        CLOCK_START + timedelta(minutes=10)}  # their deadline, not the sweep's time
    assert close_expired_attempts(db_session) == 0


def test_untimed_tests_have_no_deadline(api_as, factory):
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    admin = api_as("test_admin")
    test_id = admin.post("/api/v1/tests", json={"title": "Untimed", "purpose": "practice", "item_ids": [item.id],
                                                 "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    admin.post(f"/api/v1/tests/{test_id}/publish")
    attempt = api_as("candidate").post(f"/api/v1/tests/{test_id}/attempts").json
    assert attempt["deadline"] is None and attempt["seconds_left"] is None


def test_time_limits_are_checked(api_as, factory):
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    refused = api_as("test_admin").post("/api/v1/tests", json={
        "title": "T", "purpose": "practice", "item_ids": [item.id], "cut_scores": [{"level": 1, "min_score": 0}],
        "time_limit_seconds": 5})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "time_limit_seconds"
