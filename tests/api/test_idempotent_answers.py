"""Answers to fixed and sectioned tests under an Idempotency-Key: every acknowledged request is recorded once,
so a late retry of an old one replays instead of overwriting the answer given since."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment import answer_requests
from assessment.models import AnswerRequest
from tests.api.test_vstep_exam import _exam_payload
from tests.factories import published_test


@pytest.fixture
def fixed_test(api_as, factory):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = [factory.approved_item(author, reviewer, scoring={"correct": "C"}) for _ in range(2)]
    return published_test(api_as("test_admin"), [item.id for item in items],
                          cut_scores=[{"level": 1, "min_score": 0}, {"level": 2, "min_score": 1}])


def _put(candidate, attempt_id: int, position: int, choice: str, key: str):
    return candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": {"choice": choice}},
                         headers={"Idempotency-Key": key})


def _answers(candidate, attempt_id: int) -> dict[int, dict | None]:
    return {item["position"]: item["answer"] for item in candidate.get(f"/api/v1/attempts/{attempt_id}").json["items"]}


def test_a_late_retry_of_an_old_answer_does_not_overwrite_the_newer_one(api_as, fixed_test):
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{fixed_test['id']}/attempts").json["id"]
    assert _put(candidate, attempt_id, 1, "A", "k1").status_code == 200
    changed = _put(candidate, attempt_id, 1, "C", "k2")
    assert changed.status_code == 200
    late = _put(candidate, attempt_id, 1, "A", "k1")  # the first request, delivered again after the change
    assert late.status_code == 200, late.json
    assert (late.json["answer"], late.json["answered_at"]) == ({"choice": "C"}, changed.json["answered_at"])
    assert _answers(candidate, attempt_id)[1] == {"choice": "C"}
    assert _put(candidate, attempt_id, 1, "C", "k2").json["answer"] == {"choice": "C"}
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json
    assert result["raw_score"] == 1  # C, the answer the candidate gave last
    after = _put(candidate, attempt_id, 1, "A", "k1")  # even once handed in: a replay, not a refusal
    assert after.status_code == 200 and after.json["answer"] == {"choice": "C"}


def test_a_key_used_for_another_answer_or_position_is_refused(api_as, fixed_test):
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{fixed_test['id']}/attempts").json["id"]
    assert _put(candidate, attempt_id, 1, "A", "k1").status_code == 200
    assert _put(candidate, attempt_id, 1, "C", "k2").status_code == 200
    for position, choice in ((1, "B"), (2, "A")):
        reused = _put(candidate, attempt_id, position, choice, "k1")
        assert reused.status_code == 422 and reused.json["errors"][0]["field"] == "Idempotency-Key", reused.json
    assert _answers(candidate, attempt_id) == {1: {"choice": "C"}, 2: None}


def test_a_sectioned_exam_replays_an_old_key_too(api_as, factory):
    admin = api_as("test_admin")
    exam = admin.post("/api/v1/tests", json=_exam_payload(factory.vstep_items(factory.user("author"),
                                                                               factory.user("reviewer"))))
    assert admin.post(f"/api/v1/tests/{exam.json['id']}/publish").status_code == 200
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam.json['id']}/attempts").json["id"]
    assert _put(candidate, attempt_id, 3, "A", "l-3").status_code == 200
    assert _put(candidate, attempt_id, 3, "B", "l-3-again").status_code == 200
    late = _put(candidate, attempt_id, 3, "A", "l-3")
    assert late.status_code == 200 and late.json["answer"] == {"choice": "B"}
    assert _answers(candidate, attempt_id)[3] == {"choice": "B"}


def test_each_position_keeps_its_latest_keys_only(api_as, fixed_test, db_session, monkeypatch):
    monkeypatch.setattr(answer_requests, "KEYS_KEPT_PER_POSITION", 3)
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{fixed_test['id']}/attempts").json["id"]
    for number in range(1, 6):
        assert _put(candidate, attempt_id, 1, "ABCD"[number % 4], f"one-{number}").status_code == 200
    assert _put(candidate, attempt_id, 2, "A", "two-1").status_code == 200
    kept = db_session.execute(select(AnswerRequest.position, AnswerRequest.idempotency_key)
                              .where(AnswerRequest.attempt_id == attempt_id).order_by(AnswerRequest.id)).all()
    assert [tuple(row) for row in kept] == [(1, "one-3"), (1, "one-4"), (1, "one-5"), (2, "two-1")]
