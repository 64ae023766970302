"""Test sessions: registered candidates sit a test inside its window, seats are never over-booked,
and the test's eligibility rules (retake wait, attempt limit) refuse with the date that matters."""

from __future__ import annotations

import threading
from datetime import date, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import services as assessment
from assessment.models import Attempt
from assessment.scheduling import services as scheduling
from assessment.scheduling.models import Registration
from core import audit, clock
from core.accounts import services as accounts
from core.accounts.types import Role
from tests.factories import CLOCK_START, single_choice_spec

PROBLEM = "application/problem+json"
START = CLOCK_START
OPENS, CLOSES = START + timedelta(days=2), START + timedelta(days=2, hours=3)


@pytest.fixture
def admin(api_as):
    return api_as("test_admin")


def _published_test(admin, factory, *, purpose: str = "certification", time_limit: int | None = 600) -> int:
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"), scoring={"correct": "B"})
    body = {"title": "VSTEP mock", "purpose": purpose, "item_ids": [item.id],
            "cut_scores": [{"level": 3, "min_score": 1}], "time_limit_seconds": time_limit}
    test_id = admin.post("/api/v1/tests", json=body).json["id"]
    assert admin.post(f"/api/v1/tests/{test_id}/publish").status_code == 200
    return test_id


@pytest.fixture
def test_id(admin, factory, fake_clock):
    return _published_test(admin, factory)


def _session(admin, test_id: int, *, opens=OPENS, closes=CLOSES, capacity: int = 30, **more) -> dict:
    created = admin.post(f"/api/v1/tests/{test_id}/sessions", json={
        "title": "Morning sitting", "venue": "Hanoi centre", "room": "B2", "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(), "capacity": capacity, **more})
    assert created.status_code == 201, created.json
    return created.json


def _register(admin, session_id: int, *candidates):
    return admin.post(f"/api/v1/sessions/{session_id}/registrations",
                      json={"user_ids": [c.user.id for c in candidates]})


def _patch(client, url: str, **kwargs):
    return client.client.open(url, method="PATCH", headers={"Authorization": f"Bearer {client.token}"}, **kwargs)


def _problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.json
    assert response.content_type == PROBLEM
    assert response.json["type"].endswith("/" + slug), response.json
    return response.json


def _take(candidate, test_id: int) -> dict:
    started = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert started.status_code == 201, started.json
    submitted = candidate.post(f"/api/v1/attempts/{started.json['id']}/submit")
    assert submitted.status_code == 200, submitted.json
    return started.json


def test_a_registered_candidate_starts_only_inside_the_session_window(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id)
    assert (sitting["seats_left"], sitting["cancelled"], sitting["opens_at"]) == (30, False, OPENS.isoformat())
    candidate = api_as("candidate")
    registered = _register(admin, sitting["id"], candidate)
    assert registered.status_code == 201 and registered.json[0]["status"] == "registered"

    early = _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "outside-session-window")
    assert early["opens_at"] == OPENS.isoformat() and "opens at" in early["detail"]

    fake_clock.set(CLOSES - timedelta(minutes=5))
    attempt = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert attempt.status_code == 201, attempt.json
    # the session closing ends the attempt, even with time left on the test's own limit
    assert (attempt.json["test_session_id"], attempt.json["deadline"]) == (sitting["id"], CLOSES.isoformat())
    mine = candidate.get("/api/v1/me/registrations").json
    assert [(r["session_id"], r["status"]) for r in mine] == [(sitting["id"], "attended")]


def test_session_times_are_kept_in_utc(admin, test_id):
    hanoi = timezone(timedelta(hours=7))
    sitting = _session(admin, test_id, opens=OPENS.astimezone(hanoi), closes=CLOSES.astimezone(hanoi))
    assert (sitting["opens_at"], sitting["closes_at"]) == (OPENS.isoformat(), CLOSES.isoformat())


def test_after_the_session_closes_the_start_is_refused(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id)
    candidate = api_as("candidate")
    _register(admin, sitting["id"], candidate)
    fake_clock.set(CLOSES)
    closed = _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "outside-session-window")
    assert closed["closes_at"] == CLOSES.isoformat() and "closed at" in closed["detail"]


def test_an_unregistered_candidate_is_refused_once_the_test_has_sessions(admin, api_as, test_id, fake_clock):
    _session(admin, test_id)
    fake_clock.set(OPENS + timedelta(minutes=1))
    refused = _problem(api_as("candidate").post(f"/api/v1/tests/{test_id}/attempts"), 409, "registration-required")
    assert f"/api/v1/tests/{test_id}/sessions" in refused["detail"]


def test_a_registration_admits_one_attempt(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id)
    candidate = api_as("candidate")
    _register(admin, sitting["id"], candidate)
    fake_clock.set(OPENS)
    _take(candidate, test_id)
    _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "registration-required")


def test_requires_registration_applies_before_any_session_is_scheduled(admin, api_as, test_id):
    assert admin.put(f"/api/v1/tests/{test_id}/admission-rules",
                     json={"requires_registration": True}).status_code == 200
    _problem(api_as("candidate").post(f"/api/v1/tests/{test_id}/attempts"), 409, "registration-required")


def test_a_cancelled_session_refuses_registrations_and_starts(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id)
    candidate = api_as("candidate")
    _register(admin, sitting["id"], candidate)
    cancelled = _patch(admin, f"/api/v1/sessions/{sitting['id']}",
                            json={"cancelled": True, "cancellation_reason": "Power cut"})
    assert cancelled.status_code == 200 and cancelled.json["cancelled"] is True
    _problem(_register(admin, sitting["id"], api_as("candidate")), 409, "session-cancelled")
    fake_clock.set(OPENS + timedelta(minutes=1))
    refused = _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "session-cancelled")
    assert refused["session_id"] == sitting["id"]
    assert _problem(_patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"cancelled": False}), 409,
                    "session-cancelled")
    # candidates no longer see it among the test's sessions; administrators do
    assert api_as("candidate").get(f"/api/v1/tests/{test_id}/sessions").json == []
    assert [s["id"] for s in admin.get(f"/api/v1/tests/{test_id}/sessions").json] == [sitting["id"]]


def test_capacity_is_never_exceeded_and_a_cancelled_seat_frees_up(admin, api_as, test_id):
    sitting = _session(admin, test_id, capacity=2)
    first, second, third = (api_as("candidate") for _ in range(3))
    full = _problem(_register(admin, sitting["id"], first, second, third), 409, "session-full")
    assert full["seats_left"] == 2 and not admin.get(f"/api/v1/sessions/{sitting['id']}/registrations").json
    assert _register(admin, sitting["id"], first, second).status_code == 201
    _problem(_register(admin, sitting["id"], third), 409, "session-full")
    assert admin.get(f"/api/v1/sessions/{sitting['id']}").json["seats_left"] == 0
    cancelled = admin.delete(f"/api/v1/sessions/{sitting['id']}/registrations/{first.user.id}")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert _register(admin, sitting["id"], third).status_code == 201
    # the cancelled candidate can come back once a seat is free again (the same row, reactivated)
    _patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"capacity": 3})
    again = _register(admin, sitting["id"], first)
    assert again.status_code == 201 and again.json[0]["id"] == cancelled.json["id"]
    _problem(_patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"capacity": 2}), 409, "conflict")


def test_one_registration_per_candidate_per_session_and_none_overlapping(admin, api_as, factory, test_id):
    morning = _session(admin, test_id)
    candidate = api_as("candidate")
    assert _register(admin, morning["id"], candidate).status_code == 201
    _problem(_register(admin, morning["id"], candidate), 409, "already-registered")
    other_test = _published_test(admin, factory, purpose="placement")
    overlapping = _session(admin, other_test, opens=CLOSES - timedelta(hours=1), closes=CLOSES + timedelta(hours=2))
    clash = _problem(_register(admin, overlapping["id"], candidate), 409, "overlapping-registration")
    assert (clash["user_id"], clash["session_id"]) == (candidate.user.id, morning["id"])
    afternoon = _session(admin, other_test, opens=CLOSES, closes=CLOSES + timedelta(hours=2))
    assert _register(admin, afternoon["id"], candidate).status_code == 201


def test_the_retake_wait_refuses_with_the_eligible_date_then_allows(admin, api_as, test_id, fake_clock):
    rules = admin.put(f"/api/v1/tests/{test_id}/admission-rules", json={"retake_wait_days": 30})
    assert rules.status_code == 200 and rules.json["retake_scope"] == "test"
    candidate = api_as("candidate")
    fake_clock.advance(minutes=20)
    _take(candidate, test_id)  # submitted at 09:20
    eligible = (START + timedelta(minutes=20, days=30)).isoformat()
    fake_clock.advance(days=29)
    refused = _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "not-eligible")
    assert (refused["rule"], refused["eligible_from"]) == ("retake_wait_days", eligible)
    assert "retake_wait_days" in refused["detail"] and eligible in refused["detail"]
    fake_clock.advance(days=1)
    assert candidate.post(f"/api/v1/tests/{test_id}/attempts").status_code == 201


def test_an_attempt_whose_time_ran_out_unnoticed_counts_as_handed_in_at_its_deadline(admin, api_as, factory,
                                                                                      test_id, fake_clock):
    """Nobody closed it (no request, no sweep yet): it is not in progress, and its retake wait runs from its
    deadline, for a start as for a registration."""
    other = _published_test(admin, factory)  # another certification test, 600 s like test_id
    admin.put(f"/api/v1/tests/{other}/admission-rules", json={"retake_wait_days": 30, "retake_scope": "purpose"})
    candidate = api_as("candidate")
    left = candidate.post(f"/api/v1/tests/{test_id}/attempts").json
    fake_clock.advance(minutes=11)  # its time ran out at 09:10
    deadline = START + timedelta(minutes=10)
    sitting = _session(admin, other)
    assert _register(admin, sitting["id"], api_as("candidate")).status_code == 201  # nobody else is concerned
    refused = _problem(_register(admin, sitting["id"], candidate), 409, "not-eligible")
    assert refused["eligible_from"] == (deadline + timedelta(days=30)).isoformat()
    refused = _problem(candidate.post(f"/api/v1/tests/{other}/attempts"), 409, "not-eligible")
    assert refused["eligible_from"] == (deadline + timedelta(days=30)).isoformat()
    # The same test again: the old attempt is handed in, not "already in progress".
    again = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert again.status_code == 201, again.json
    closed = candidate.get(f"/api/v1/attempts/{left['id']}").json
    assert (closed["status"], closed["closed_reason"], closed["submitted_at"]) == (
        "scored", "time_up", deadline.isoformat())


def test_registration_looks_ahead_to_the_session_for_the_retake_wait(admin, api_as, test_id, fake_clock):
    admin.put(f"/api/v1/tests/{test_id}/admission-rules", json={"retake_wait_days": 7})
    candidate = api_as("candidate")
    _take(candidate, test_id)
    too_soon = _session(admin, test_id)
    refused = _problem(_register(admin, too_soon["id"], candidate), 409, "not-eligible")
    assert refused["eligible_from"] == (START + timedelta(days=7)).isoformat()
    later = _session(admin, test_id, opens=START + timedelta(days=8), closes=START + timedelta(days=8, hours=3))
    assert _register(admin, later["id"], candidate).status_code == 201


def test_the_retake_wait_can_span_every_test_of_a_purpose(admin, api_as, factory, test_id, fake_clock):
    other = _published_test(admin, factory)  # another certification test
    admin.put(f"/api/v1/tests/{other}/admission-rules", json={"retake_wait_days": 10, "retake_scope": "purpose"})
    candidate = api_as("candidate")
    _take(candidate, test_id)
    refused = _problem(candidate.post(f"/api/v1/tests/{other}/attempts"), 409, "not-eligible")
    assert "any certification test" in refused["detail"]


def test_max_attempts_refuses_the_next_attempt(admin, api_as, test_id):
    admin.put(f"/api/v1/tests/{test_id}/admission-rules", json={"max_attempts": 1})
    candidate = api_as("candidate")
    _take(candidate, test_id)
    refused = _problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409, "not-eligible")
    assert (refused["rule"], refused["max_attempts"], refused["attempts_made"]) == ("max_attempts", 1, 1)


def test_candidates_register_themselves_only_where_the_test_allows_it(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id, registration_closes_at=(OPENS - timedelta(days=1)).isoformat())
    candidate, other = api_as("candidate"), api_as("candidate")
    url = f"/api/v1/sessions/{sitting['id']}/registrations"
    _problem(candidate.post(url, json={}), 403, "forbidden")
    admin.put(f"/api/v1/tests/{test_id}/admission-rules", json={"self_registration": True})
    _problem(candidate.post(url, json={"user_ids": [other.user.id]}), 403, "forbidden")
    mine = candidate.post(url, json={})
    assert mine.status_code == 201 and mine.json[0]["candidate_id"] == candidate.user.id
    assert mine.json[0]["registered_by"] == candidate.user.id
    assert candidate.delete(f"{url}/{candidate.user.id}").json["status"] == "cancelled"
    fake_clock.set(OPENS - timedelta(hours=12))  # past the registration deadline
    late = _problem(other.post(url, json={}), 409, "registration-closed")
    assert late["registration_closes_at"] == (OPENS - timedelta(days=1)).isoformat()
    assert _register(admin, sitting["id"], other).status_code == 201  # the desk may still seat them


def test_candidates_see_only_their_own_registrations(admin, api_as, test_id):
    sitting = _session(admin, test_id)
    candidate, other = api_as("candidate"), api_as("candidate")
    _register(admin, sitting["id"], candidate, other)
    _problem(candidate.get(f"/api/v1/sessions/{sitting['id']}/registrations"), 403, "forbidden")
    assert [r["candidate_id"] for r in candidate.get("/api/v1/me/registrations").json] == [candidate.user.id]
    seen = candidate.get(f"/api/v1/sessions/{sitting['id']}")
    assert seen.json["seats_taken"] == 2 and str(other.user.id) not in str(seen.json.get("registrations", ""))
    _problem(candidate.delete(f"/api/v1/sessions/{sitting['id']}/registrations/{other.user.id}"), 404,
             "not-found")
    listed = admin.get(f"/api/v1/sessions/{sitting['id']}/registrations").json
    assert sorted(r["candidate_id"] for r in listed) == sorted([candidate.user.id, other.user.id])


@pytest.mark.parametrize(("body", "field"), [
    ({"opens_at": "2026-11-25T09:00:00"}, "opens_at"),  # no time zone
    ({"closes_at": (OPENS - timedelta(hours=1)).isoformat()}, "closes_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": "ten"}, "capacity"),
    ({"title": ""}, "title"),
    ({"registration_closes_at": (OPENS + timedelta(hours=1)).isoformat()}, "registration_closes_at"),
    ({"seats": 3}, "seats"),
])
def test_bad_sessions_are_refused_naming_the_field(admin, test_id, body, field):
    base = {"title": "S", "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat(), "capacity": 5}
    refused = admin.post(f"/api/v1/tests/{test_id}/sessions", json={**base, **body})
    assert refused.status_code == 422 and refused.content_type == PROBLEM, refused.json
    assert field in [error["field"] for error in refused.json["errors"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"user_ids": "12"}, "user_ids"),
    ({"user_ids": []}, "user_ids"),
    ({"user_ids": [999_999]}, "user_ids.0"),
    ({}, "user_ids"),
])
def test_bad_registrations_are_refused_naming_the_field(admin, test_id, body, field):
    sitting = _session(admin, test_id)
    refused = admin.post(f"/api/v1/sessions/{sitting['id']}/registrations", json=body)
    assert refused.status_code == 422 and refused.content_type == PROBLEM, refused.json
    assert field in [error["field"] for error in refused.json["errors"]]


def test_only_candidates_and_each_once_can_be_registered(admin, api_as, factory, test_id):
    sitting = _session(admin, test_id)
    candidate = api_as("candidate")
    url = f"/api/v1/sessions/{sitting['id']}/registrations"
    hr = factory.user("hr")
    assert admin.post(url, json={"user_ids": [candidate.user.id, hr.id]}).json["errors"][0]["field"] == "user_ids.1"
    twice = admin.post(url, json={"user_ids": [candidate.user.id, candidate.user.id]})
    assert twice.status_code == 422 and twice.json["errors"][0]["field"] == "user_ids.1"


def test_closed_accounts_and_leavers_past_their_last_day_cannot_be_registered(admin, factory, db_session, test_id):
    sitting = _session(admin, test_id)
    url = f"/api/v1/sessions/{sitting['id']}/registrations"
    closed, left, leaving = (factory.user("candidate") for _ in range(3))
    closed.is_active = False
    left.access_ends_on, leaving.access_ends_on = date(2026, 11, 22), date(2026, 11, 23)  # the clock: the 23rd
    db_session.flush()
    for index, refused in ((0, closed), (1, left)):
        problem = admin.post(url, json={"user_ids": [leaving.id, refused.id]})
        assert problem.status_code == 422 and problem.json["errors"][0]["field"] == "user_ids.1", (index, problem.json)
    assert admin.post(url, json={"user_ids": [leaving.id]}).status_code == 201


@pytest.mark.parametrize(("body", "field"), [
    ({"retake_wait_days": -1}, "retake_wait_days"),
    ({"retake_scope": "forever"}, "retake_scope"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"self_registration": "yes"}, "self_registration"),
])
def test_bad_admission_rules_are_refused_naming_the_field(admin, test_id, body, field):
    refused = admin.put(f"/api/v1/tests/{test_id}/admission-rules", json=body)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == field


def test_only_test_administrators_schedule_and_only_published_tests(admin, api_as, factory, test_id):
    body = {"title": "S", "opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat(), "capacity": 5}
    _problem(api_as("candidate").post(f"/api/v1/tests/{test_id}/sessions", json=body), 403, "forbidden")
    _problem(api_as("candidate").put(f"/api/v1/tests/{test_id}/admission-rules", json={}), 403, "forbidden")
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    draft = admin.post("/api/v1/tests", json={"title": "D", "purpose": "practice", "item_ids": [item.id],
                                              "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    _problem(admin.post(f"/api/v1/tests/{draft}/sessions", json=body), 409, "conflict")
    _problem(admin.get("/api/v1/sessions/999999"), 404, "not-found")
    assert _patch(admin, f"/api/v1/sessions/{_session(admin, test_id)['id']}", json={}).status_code == 422


def test_services_record_the_session_on_the_attempt(db_session, factory, fake_clock):
    author, reviewer, admin = factory.user("author"), factory.user("reviewer"), factory.user("test_admin")
    candidate = factory.user("candidate")
    item = factory.approved_item(author, reviewer)
    test = assessment.create_test(db_session, actor=admin.as_actor(), draft=assessment.TestDraft(
        title="T", purpose="placement", item_ids=[item.id], cut_scores=[{"level": 1, "min_score": 0}]))
    assessment.publish_test(db_session, actor=admin.as_actor(), test_id=test.id)
    draft = scheduling.SessionDraft(title="S", opens_at=START, closes_at=START + timedelta(hours=1), capacity=1)
    sitting = scheduling.create_session(db_session, actor=admin.as_actor(), test_id=test.id, draft=draft)
    scheduling.register_candidates(db_session, actor=admin.as_actor(), session_id=sitting.id, user_ids=[candidate.id])
    attempt = assessment.start_attempt(db_session, actor=candidate.as_actor(), test_id=test.id)
    assert db_session.get(Attempt, attempt.id).test_session_id == sitting.id


# Concurrent registrations with real commits: the session's row lock (PostgreSQL) or the write lock (SQLite)
# keeps the seats.

THREADS = 8


@pytest.fixture
def live(live_app, empty_database, tmp_path):
    app = live_app
    with Session(empty_database.engine) as session:
        made = {role: accounts.create_user(session, username=f"{role.value}.x", password="long-enough-pw",
                                           roles=[role]) for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN)}
        from question_bank import services as bank
        from question_bank import review

        item = bank.create_item(session, author=made[Role.AUTHOR].as_actor(),
                                draft=bank.ItemDraft(**single_choice_spec(correct="B")))
        review.submit_item(session, actor=made[Role.AUTHOR].as_actor(), item_id=item.id)
        review.approve_item(session, actor=made[Role.REVIEWER].as_actor(), item_id=item.id)
        admin = made[Role.TEST_ADMIN].as_actor()
        test = assessment.create_test(session, actor=admin, draft=assessment.TestDraft(
            title="Race", purpose="certification", item_ids=[item.id], cut_scores=[{"level": 3, "min_score": 1}]))
        assessment.publish_test(session, actor=admin, test_id=test.id)
        scheduling.set_rules(session, actor=admin, test_id=test.id, draft=scheduling.RulesDraft(self_registration=True))
        opens = clock.now() + timedelta(days=1)
        sitting = scheduling.create_session(session, actor=admin, test_id=test.id, draft=scheduling.SessionDraft(
            title="Race", opens_at=opens, closes_at=opens + timedelta(hours=2), capacity=3))
        tokens = []
        for index in range(THREADS):
            user = accounts.create_user(session, username=f"candidate.{index}", password="long-enough-pw",
                                        roles=[Role.CANDIDATE])
            tokens.append(accounts.issue_token(session, user=user, name="race")[1])
        session.commit()
        yield app, sitting.id, tokens, empty_database.engine


def test_concurrent_registrations_never_exceed_the_capacity(live):
    app, session_id, tokens, engine = live
    barrier, results = threading.Barrier(THREADS, timeout=60), [None] * THREADS

    def run(index: int) -> None:
        barrier.wait()
        results[index] = app.test_client().post(f"/api/v1/sessions/{session_id}/registrations", json={},
                                                headers={"Authorization": f"Bearer {tokens[index]}"}).status_code

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [201] * 3 + [409] * (THREADS - 3), results
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 3


def test_sessions_can_be_moved_and_their_cancellation_is_audited(admin, test_id, db_session):
    sitting = _session(admin, test_id)
    moved = _patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"room": "C4", "venue": "Da Nang centre"})
    assert (moved.status_code, moved.json["room"], moved.json["venue"]) == (200, "C4", "Da Nang centre")
    _patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"cancelled": True, "cancellation_reason": "Flood"})
    events = audit.list_events(db_session, entity_type="test_session", entity_id=sitting["id"])
    assert [(e.action, e.detail.get("reason")) for e in events] == [("session.cancelled", "Flood"),
                                                                    ("session.created", None)]


def test_a_session_cannot_be_changed_once_it_has_closed(admin, api_as, test_id, fake_clock):
    sitting = _session(admin, test_id)
    candidate = api_as("candidate")
    _register(admin, sitting["id"], candidate)
    fake_clock.set(OPENS + timedelta(minutes=1))
    candidate.post(f"/api/v1/tests/{test_id}/attempts")
    fake_clock.set(CLOSES - timedelta(seconds=1))
    assert _patch(admin, f"/api/v1/sessions/{sitting['id']}", json={"room": "C4"}).status_code == 200
    fake_clock.set(CLOSES)
    url = f"/api/v1/sessions/{sitting['id']}"
    for change in ({"capacity": 40}, {"title": "Renamed later"},
                   {"cancelled": True, "cancellation_reason": "After the fact"}):
        refused = _problem(_patch(admin, url, json=change), 409, "conflict")
        assert refused["closes_at"] == CLOSES.isoformat() and "closed at" in refused["detail"], change
    kept = admin.get(url).json
    assert (kept["capacity"], kept["title"], kept["cancelled"]) == (30, "Morning sitting", False)
    mine = candidate.get("/api/v1/me/registrations").json
    assert [(r["status"], r["session"]["cancelled"]) for r in mine] == [("attended", False)]
