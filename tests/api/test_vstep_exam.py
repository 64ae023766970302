"""The VSTEP.3-5 exam over HTTP: four timed sections in order, resumable, scored onto the levels."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from assessment.models import Attempt
from assessment.services import close_expired_attempts
from core.clock import day_in_vietnam
from tests.api.test_candidate_view import FORBIDDEN_KEYS, _keys
from tests.factories import CLOCK_START, ApiClient

OGG_RECORDING = b"OggS\x00\x02" + bytes(range(200))
# This form's listening table (raw points out of 35 -> 0-10); reading is proportional, rounded half up.
LISTENING_TABLE = [{"min_raw": 0, "score": 0}, {"min_raw": 10, "score": 4}, {"min_raw": 20, "score": 6},
                   {"min_raw": 28, "score": 8}, {"min_raw": 33, "score": 9.5}]


@pytest.fixture
def vstep_items(factory):
    return factory.vstep_items(factory.user("author"), factory.user("reviewer"))


def _exam_payload(items: dict[str, list[int]], **overrides) -> dict:
    sections = [
        {"skill": "listening", "item_ids": items["listening"], "conversion": LISTENING_TABLE},
        {"skill": "reading", "item_ids": items["reading"]},
        {"skill": "writing", "item_ids": items["writing"]},
        {"skill": "speaking", "item_ids": items["speaking"], "time_limit_seconds": 720},
    ]
    return {"title": "VSTEP.3-5 form 01", "purpose": "certification", "kind": "sectioned", "sections": sections,
            **overrides}


@pytest.fixture
def exam(api_as, vstep_items):
    admin = api_as("test_admin")
    created = admin.post("/api/v1/tests", json=_exam_payload(vstep_items))
    assert created.status_code == 201, created.json
    assert admin.post(f"/api/v1/tests/{created.json['id']}/publish").status_code == 200
    return created.json


def _answer(candidate: ApiClient, attempt_id: int, position: int, answer: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": answer},
                         headers=headers)


def _no_secrets(response) -> None:
    leaked = _keys(response.json) & FORBIDDEN_KEYS
    assert not leaked, (response.request.path, leaked)


def test_a_full_vstep_attempt_with_a_dropped_connection(api_as, exam, app, factory):
    candidate = api_as("candidate")
    seen = [candidate.get(f"/api/v1/tests/{exam['id']}")]
    assert [s["skill"] for s in seen[0].json["sections"]] == ["listening", "reading", "writing", "speaking"]
    started = candidate.post(f"/api/v1/tests/{exam['id']}/attempts")
    assert started.status_code == 201, started.json
    attempt = started.json
    attempt_id = attempt["id"]
    seen.append(started)
    assert attempt["current_section"] == 0
    assert [s["status"] for s in attempt["sections"]] == ["current", "upcoming", "upcoming", "upcoming"]
    assert [i["position"] for i in attempt["items"]] == list(range(1, 36))  # the listening section only
    assert attempt["seconds_left"] in (40 * 60 - 1, 40 * 60)

    # Listening: 30 right, 5 wrong (table: 28+ -> 8.0). Half of it, then the connection drops.
    for position in range(1, 18):
        saved = _answer(candidate, attempt_id, position, {"choice": "B"}, key=f"l-{position}")
        assert saved.status_code == 200, saved.json
    assert _answer(candidate, attempt_id, 40, {"choice": "B"}).status_code == 409  # reading has not started

    # A new browser, same candidate: every acknowledged answer is there, and the retry replays.
    reconnected = ApiClient(app.test_client(), factory.token_for(candidate.user), candidate.user)
    resumed = reconnected.get(f"/api/v1/attempts/{attempt_id}")
    seen.append(resumed)
    answers = {item["position"]: item["answer"] for item in resumed.json["items"]}
    assert all(answers[p] == {"choice": "B"} for p in range(1, 18)) and answers[18] is None
    assert _answer(reconnected, attempt_id, 17, {"choice": "B"}, key="l-17").status_code == 200
    for position in range(18, 36):
        assert _answer(reconnected, attempt_id, position, {"choice": "B" if position <= 30 else "C"}).status_code \
            == 200
    assert _answer(reconnected, attempt_id, 3, {"choice": "A"}).status_code == 200  # review within the section
    assert _answer(reconnected, attempt_id, 3, {"choice": "B"}).status_code == 200

    moved = reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/0/finish")
    assert moved.status_code == 200 and moved.json["current_section"] == 1
    seen.append(moved)
    again = reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/0/finish")  # a retried request
    assert again.json["current_section"] == 1
    assert [i["position"] for i in moved.json["items"]] == list(range(36, 76))
    passages = [item["stimulus"] for item in moved.json["items"]]  # 4 passages, each with its 10 questions
    assert [p["title"] for p in passages[::10]] == ["Passage 1", "Passage 2", "Passage 3", "Passage 4"]
    assert all(p == passages[start] for start in range(0, 40, 10) for p in passages[start:start + 10])
    late = _answer(reconnected, attempt_id, 5, {"choice": "B"})
    assert late.status_code == 409 and "finished the listening section" in late.json["detail"]
    assert reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/2/finish").status_code == 409

    # Reading: 27 of 40 right -> 6.75 -> 7.0 (half up).
    for position in range(36, 76):
        assert _answer(reconnected, attempt_id, position, {"choice": "B" if position < 63 else "D"}).status_code \
            == 200
    assert reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/1/finish").json["current_section"] == 2

    # Writing, then speaking with an uploaded recording.
    for position, words in ((76, "Dear manager " * 70), (77, "In my opinion " * 90)):
        assert _answer(reconnected, attempt_id, position, {"text": words}).status_code == 200
    assert reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/2/finish").json["current_section"] == 3
    missing = _answer(reconnected, attempt_id, 78, {"audio": "a" * 64})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "answer.audio"
    upload = reconnected.post("/api/v1/media", data={"file": (__import__("io").BytesIO(OGG_RECORDING), "part1.ogg")},
                              content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    for position in (78, 79, 80):
        assert _answer(reconnected, attempt_id, position, {"audio": upload.json["sha256"]}).status_code == 200
    finished = reconnected.post(f"/api/v1/attempts/{attempt_id}/sections/3/finish")
    assert finished.json["status"] == "awaiting_rating" and finished.json["items"] == []
    seen.append(finished)

    provisional = reconnected.get(f"/api/v1/attempts/{attempt_id}/result")
    seen.append(provisional)
    assert provisional.json["provisional"] is True
    assert provisional.json["level"] is None and provisional.json["overall_score"] is None
    assert [(s["skill"], s["raw"], s["score"]) for s in provisional.json["section_scores"]] == [
        ("listening", 30.0, 8.0), ("reading", 27.0, 7.0), ("writing", 0.0, None), ("speaking", 0.0, None)]
    for response in seen:
        _no_secrets(response)

    # A test administrator's override (raters' double marking: tests/api/test_rating.py).
    rater = api_as("test_admin")
    assert candidate.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 6}).status_code \
        == 403
    bad = rater.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 6.25})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "score"
    assert rater.put(f"/api/v1/attempts/{attempt_id}/sections/listening/score", json={"score": 6}).status_code == 422
    assert rater.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 6}).status_code == 200
    assert rater.put(f"/api/v1/attempts/{attempt_id}/sections/writing/score", json={"score": 7}).status_code == 409
    final = rater.put(f"/api/v1/attempts/{attempt_id}/sections/speaking/score", json={"score": 6.5}).json
    # Mean of 8.0, 7.0, 6.0, 6.5 = 6.875 -> 7.0 -> level 4 (6.0-8.0).
    assert (final["provisional"], final["overall_score"], final["level"]) == (False, 7.0, 4)

    certificates = candidate.get("/api/v1/certificates").json
    assert len(certificates) == 1
    certificate = certificates[0]["data"]
    assert certificate["level"]["code"] == "4"
    assert certificate["scores"] == {"listening": "8.0", "reading": "7.0", "writing": "6.0", "speaking": "6.5"}
    assert certificate["overall"] == "7.0"
    exam_day = day_in_vietnam(datetime.fromisoformat(attempt["started_at"]))  # from 17:00 UTC, the next day there
    assert certificate["valid_until"] == exam_day.replace(year=exam_day.year + 2).isoformat()


def test_sections_run_on_the_server_clock(api_as, exam, fake_clock, db_session):
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    assert _answer(candidate, attempt_id, 1, {"choice": "B"}).status_code == 200
    fake_clock.advance(minutes=40, seconds=1)  # listening is over; reading started when it ended
    late = _answer(candidate, attempt_id, 2, {"choice": "B"})
    assert late.status_code == 409 and late.json["type"].endswith("time-up")
    assert "listening" in late.json["detail"]
    view = candidate.get(f"/api/v1/attempts/{attempt_id}").json
    assert view["current_section"] == 1
    assert view["sections"][0]["status"] == "time_up"
    assert view["sections"][1]["started_at"] == view["sections"][0]["deadline"]
    assert view["seconds_left"] == 60 * 60 - 1
    assert _answer(candidate, attempt_id, 36, {"choice": "B"}).status_code == 200

    # The candidate walks away: the sweep closes the rest, each section at its own end.
    fake_clock.advance(hours=3)
    assert close_expired_attempts(db_session) == 1
    stored = db_session.get(Attempt, attempt_id)
    assert stored.closed_reason == "time_up"
    assert [record["closed_reason"] for record in stored.sections] == ["time_up"] * 4
    # Handed in when the last section's time ran out (40 + 60 + 60 + 12 minutes), not when the sweep came.
    assert stored.submitted_at == CLOCK_START + timedelta(minutes=172)
    assert stored.sections[-1]["ended_at"] == stored.submitted_at.isoformat()
    result = candidate.get(f"/api/v1/attempts/{attempt_id}/result").json
    # Nothing written or said: those sections score 0 without raters, so the result is final.
    assert result["provisional"] is False
    assert [s["score"] for s in result["section_scores"]] == [0.0, 0.5, 0.0, 0.0]  # 1/35 -> 0; 1/40 -> 0.25 -> 0.5
    assert result["level"] is None  # below 4.0: no level


def test_handing_in_early_leaves_later_sections_unreached(api_as, exam):
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    for position in range(1, 36):
        _answer(candidate, attempt_id, position, {"choice": "B"})
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json
    assert result["section_scores"][0]["score"] == 9.5
    assert [s["score"] for s in result["section_scores"][1:]] == [0.0, 0.0, 0.0]
    view = candidate.get(f"/api/v1/attempts/{attempt_id}").json
    assert [s["status"] for s in view["sections"]] == ["finished", "not_reached", "not_reached", "not_reached"]
    assert _answer(candidate, attempt_id, 36, {"choice": "B"}).status_code == 409


def _field(response) -> str:
    assert response.status_code == 422, response.json
    return response.json["errors"][0]["field"]


def test_the_format_is_checked_when_the_exam_is_defined(api_as, vstep_items, factory):
    admin = api_as("test_admin")
    create = lambda payload: admin.post("/api/v1/tests", json=payload)  # noqa: E731
    swapped = _exam_payload(vstep_items)
    swapped["sections"][0], swapped["sections"][1] = swapped["sections"][1], swapped["sections"][0]
    assert _field(create(swapped)) == "sections"
    short = _exam_payload(vstep_items)
    short["sections"][1]["item_ids"] = vstep_items["reading"][:39]
    assert _field(create(short)) == "sections.1.item_ids"
    mixed = _exam_payload(vstep_items)
    mixed["sections"][0]["item_ids"] = vstep_items["listening"][:34] + vstep_items["reading"][:1]
    assert _field(create(mixed)) == "sections.0.item_ids.34"
    split = _exam_payload(vstep_items)
    reading = vstep_items["reading"]
    split["sections"][1]["item_ids"] = reading[:5] + reading[10:15] + reading[5:10] + reading[15:]
    assert _field(create(split)) == "sections.1.item_ids.10"
    essay_table = _exam_payload(vstep_items)
    essay_table["sections"][2]["conversion"] = LISTENING_TABLE
    assert _field(create(essay_table)) == "sections.2.conversion"
    falling = _exam_payload(vstep_items)
    falling["sections"][0]["conversion"] = [{"min_raw": 0, "score": 0}, {"min_raw": 10, "score": 5},
                                           {"min_raw": 20, "score": 4.5}]
    assert _field(create(falling)) == "sections.0.conversion.2"
    off_step = _exam_payload(vstep_items)
    off_step["sections"][0]["conversion"] = [{"min_raw": 0, "score": 0.25}]
    assert _field(create(off_step)) == "sections.0.conversion.0.score"
    late_start = _exam_payload(vstep_items)
    late_start["sections"][0]["conversion"] = [{"min_raw": 5, "score": 1}]
    assert _field(create(late_start)) == "sections.0.conversion.0.min_raw"
    assert _field(create({**_exam_payload(vstep_items), "item_ids": [1]})) == "item_ids"
    assert _field(create({**_exam_payload(vstep_items), "kind": "fixed", "item_ids": [1],
                          "cut_scores": [{"level": 1, "min_score": 0}]})) == "sections"
    assert _field(create({key: value for key, value in _exam_payload(vstep_items).items()
                          if key != "sections"})) == "sections"
    months = create(_exam_payload(vstep_items, certificate_valid_months=0))
    assert _field(months) == "certificate_valid_months"
    # Candidates never see how a form is scored, test administrators do.
    created = create(_exam_payload(vstep_items))
    assert created.json["sections"][0]["conversion"][1] == {"min_raw": 10.0, "score": "4.0"}
    assert created.json["certificate_valid_months"] == 24


def test_no_section_runs_past_the_session_it_is_sat_in(api_as, exam, fake_clock):
    admin, candidate = api_as("test_admin"), api_as("candidate")
    sitting = admin.post(f"/api/v1/tests/{exam['id']}/sessions", json={
        "title": "Short sitting", "opens_at": fake_clock.now.isoformat(),
        "closes_at": (fake_clock.now + timedelta(minutes=50)).isoformat(), "capacity": 10})
    assert sitting.status_code == 201, sitting.json
    assert admin.post(f"/api/v1/sessions/{sitting.json['id']}/registrations",
                      json={"user_ids": [candidate.user.id]}).status_code == 201
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    assert attempt["test_session_id"] == sitting.json["id"]
    finished = candidate.post(f"/api/v1/attempts/{attempt['id']}/sections/0/finish").json
    assert finished["current_section"] == 1 and finished["seconds_left"] == 50 * 60  # reading ends with the session
    fake_clock.advance(minutes=50)
    closed = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert (closed["status"], closed["closed_reason"]) == ("scored", "time_up")
    assert [s["status"] for s in closed["sections"]] == ["finished", "time_up", "not_reached", "not_reached"]


def test_an_exam_noticed_after_its_session_closed_ends_at_the_close(api_as, exam, fake_clock):
    admin, candidate = api_as("test_admin"), api_as("candidate")
    closes = fake_clock.now + timedelta(minutes=50)
    sitting = admin.post(f"/api/v1/tests/{exam['id']}/sessions", json={
        "title": "Short sitting", "opens_at": fake_clock.now.isoformat(), "closes_at": closes.isoformat(),
        "capacity": 10}).json
    admin.post(f"/api/v1/sessions/{sitting['id']}/registrations", json={"user_ids": [candidate.user.id]})
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    candidate.post(f"/api/v1/attempts/{attempt['id']}/sections/0/finish")
    fake_clock.advance(hours=2)  # nobody looks until long after the session closed
    closed = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert closed["submitted_at"] == closes.isoformat()
    assert [s["status"] for s in closed["sections"]] == ["finished", "time_up", "not_reached", "not_reached"]
    assert closed["sections"][1]["ended_at"] == closes.isoformat()


def _handed_in_for_rating(candidate: ApiClient, exam_id: int) -> dict:
    """An attempt handed in with an essay written: it waits for raters."""
    attempt = candidate.post(f"/api/v1/tests/{exam_id}/attempts")
    assert attempt.status_code == 201, attempt.json
    attempt_id = attempt.json["id"]
    for index in (0, 1):
        candidate.post(f"/api/v1/attempts/{attempt_id}/sections/{index}/finish")
    assert _answer(candidate, attempt_id, 76, {"text": "Dear manager " * 70}).status_code == 200
    for index in (2, 3):
        finished = candidate.post(f"/api/v1/attempts/{attempt_id}/sections/{index}/finish")
    assert finished.json["status"] == "awaiting_rating"
    return finished.json


def test_an_exam_waiting_for_raters_counts_for_the_retake_wait(api_as, exam, fake_clock):
    admin, candidate = api_as("test_admin"), api_as("candidate")
    assert admin.put(f"/api/v1/tests/{exam['id']}/admission-rules",
                     json={"retake_wait_days": 30}).status_code == 200
    fake_clock.advance(minutes=5)
    handed_in = _handed_in_for_rating(candidate, exam["id"])
    eligible = (datetime.fromisoformat(handed_in["submitted_at"]) + timedelta(days=30)).isoformat()
    refused = candidate.post(f"/api/v1/tests/{exam['id']}/attempts")
    assert refused.status_code == 409 and refused.json["type"].endswith("/not-eligible"), refused.json
    assert (refused.json["rule"], refused.json["eligible_from"]) == ("retake_wait_days", eligible)
    # Registration looks at the same attempts.
    sitting = admin.post(f"/api/v1/tests/{exam['id']}/sessions", json={
        "title": "Next week", "opens_at": (fake_clock.now + timedelta(days=7)).isoformat(),
        "closes_at": (fake_clock.now + timedelta(days=7, hours=4)).isoformat(), "capacity": 10}).json
    registered = admin.post(f"/api/v1/sessions/{sitting['id']}/registrations", json={"user_ids": [candidate.user.id]})
    assert registered.status_code == 409 and registered.json["rule"] == "retake_wait_days", registered.json


def test_an_exam_waiting_for_raters_counts_for_the_attempt_limit(api_as, exam):
    admin, candidate = api_as("test_admin"), api_as("candidate")
    admin.put(f"/api/v1/tests/{exam['id']}/admission-rules", json={"max_attempts": 1})
    _handed_in_for_rating(candidate, exam["id"])
    refused = candidate.post(f"/api/v1/tests/{exam['id']}/attempts")
    assert refused.status_code == 409 and (refused.json["rule"], refused.json["attempts_made"]) == (
        "max_attempts", 1), refused.json


def test_a_test_administrator_who_sat_the_exam_sets_none_of_its_scores(api_as, exam):
    sitting_admin, other_admin = api_as("test_admin", "candidate"), api_as("test_admin")
    attempt_id = _handed_in_for_rating(sitting_admin, exam["id"])["id"]
    url = f"/api/v1/attempts/{attempt_id}/sections/writing/score"
    refused = sitting_admin.put(url, json={"score": 10})
    assert refused.status_code == 403 and refused.content_type == "application/problem+json", refused.json
    assert sitting_admin.get(f"/api/v1/attempts/{attempt_id}/result").json["section_scores"][2]["score"] is None
    assert other_admin.put(url, json={"score": 6}).status_code == 200


def test_the_sweep_counts_closed_exams_not_exams_moved_on_to_their_next_section(api_as, exam, fake_clock,
                                                                                 db_session):
    from assessment.services import close_expired_attempts

    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    fake_clock.advance(minutes=41)  # listening is over: reading runs
    assert close_expired_attempts(db_session) == 0
    view = candidate.get(f"/api/v1/attempts/{attempt_id}").json
    assert (view["status"], view["current_section"]) == ("in_progress", 1)
    fake_clock.advance(hours=5)  # every section is over
    assert close_expired_attempts(db_session) == 1


def _sitting(api_as, exam: dict, fake_clock, length: timedelta) -> tuple[ApiClient, datetime]:
    """A candidate registered in a session of the exam that opens now and closes ``length`` later."""
    admin, candidate = api_as("test_admin"), api_as("candidate")
    closes = fake_clock.now + length
    sitting = admin.post(f"/api/v1/tests/{exam['id']}/sessions", json={
        "title": "Short sitting", "opens_at": fake_clock.now.isoformat(), "closes_at": closes.isoformat(),
        "capacity": 10})
    assert sitting.status_code == 201, sitting.json
    assert admin.post(f"/api/v1/sessions/{sitting.json['id']}/registrations",
                      json={"user_ids": [candidate.user.id]}).status_code == 201
    return candidate, closes


def test_a_section_deadline_never_runs_past_the_session(api_as, exam, fake_clock):
    candidate, closes = _sitting(api_as, exam, fake_clock, timedelta(minutes=30))  # listening alone takes 40
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    assert attempt["sections"][0]["deadline"] == attempt["deadline"] == closes.isoformat()

    fake_clock.advance(hours=1)
    candidate, closes = _sitting(api_as, exam, fake_clock, timedelta(minutes=60))
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    fake_clock.advance(minutes=5)
    moved_on = candidate.post(f"/api/v1/attempts/{attempt['id']}/sections/0/finish").json
    assert moved_on["sections"][1]["deadline"] == moved_on["deadline"] == closes.isoformat()  # not 65 minutes

    fake_clock.advance(hours=1)
    candidate, closes = _sitting(api_as, exam, fake_clock, timedelta(minutes=45))
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    fake_clock.advance(minutes=41)  # listening's time is up: reading runs, noticed on the next request
    view = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert view["sections"][1]["deadline"] == view["deadline"] == closes.isoformat()


@pytest.mark.parametrize("short_of_listening", [timedelta(0), timedelta(seconds=1)],
                         ids=["exactly as listening ends", "a second before"])
def test_a_section_ending_as_the_session_closes_leaves_the_next_unreached(api_as, exam, fake_clock,
                                                                           short_of_listening):
    candidate, closes = _sitting(api_as, exam, fake_clock, timedelta(minutes=40) - short_of_listening)
    attempt = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json
    fake_clock.set(closes + timedelta(minutes=5))
    closed = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert (closed["status"], closed["closed_reason"], closed["submitted_at"]) == (
        "scored", "time_up", closes.isoformat())
    assert [s["status"] for s in closed["sections"]] == ["time_up", "not_reached", "not_reached", "not_reached"]
    assert closed["sections"][0]["ended_at"] == closes.isoformat()


def test_a_section_started_before_sections_kept_their_deadline_still_ends_with_the_session(api_as, exam, fake_clock,
                                                                                             db_session):
    """Its record holds no deadline, so its own is uncapped (40 minutes): the session's close still ends it,
    and noticing the close never moves the attempt's deadline past it."""
    candidate, closes = _sitting(api_as, exam, fake_clock, timedelta(minutes=30))
    attempt_id = candidate.post(f"/api/v1/tests/{exam['id']}/attempts").json["id"]
    stored = db_session.get(Attempt, attempt_id)
    stored.sections = [{key: value for key, value in record.items() if key != "deadline"}
                       for record in stored.sections]  # as written before
    db_session.flush()
    fake_clock.set(closes + timedelta(minutes=1))
    closed = candidate.get(f"/api/v1/attempts/{attempt_id}").json
    assert (closed["status"], closed["submitted_at"]) == ("scored", closes.isoformat())
    assert [s["status"] for s in closed["sections"]] == ["time_up", "not_reached", "not_reached", "not_reached"]
    assert closed["sections"][0]["ended_at"] == closes.isoformat()
