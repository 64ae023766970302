"""Withdrawing a test: a published test pins its item versions, so retiring an item names the tests that still
deliver it, and archiving a test stops new attempts, sessions and registrations while attempts under way end."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_bad_input import assert_problem
from tests.api.test_test_drafts import _approved
from tests.factories import CLOCK_START, published_test, single_choice_spec


def test_retiring_an_item_names_the_published_tests_that_still_deliver_it(api_as, factory):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    shared, other = _approved(factory, author, reviewer), _approved(factory, author, reviewer)
    admin = api_as("test_admin")
    first, second = published_test(admin, [shared, other]), published_test(admin, [shared])
    third = published_test(admin, [other])
    drafted = admin.post("/api/v1/tests", json={"title": "Draft", "purpose": "practice", "item_ids": [shared],
                                                "cut_scores": [{"level": 1, "min_score": 0}]})
    assert drafted.status_code == 201  # a draft delivers nothing: not named
    retired = api_as(reviewer).post(f"/api/v1/items/{shared}/retire", json={"comment": "leaked"})
    assert retired.status_code == 200, retired.json
    assert retired.json["status"] == "retired" and retired.json["id"] == shared
    assert retired.json["still_delivered_by"] == [first["id"], second["id"]]
    assert retired.headers["ETag"] == retired.json["etag"] == api_as(reviewer).get(f"/api/v1/items/{shared}").headers[
        "ETag"]
    assert admin.post(f"/api/v1/tests/{second['id']}/archive").status_code == 200
    assert api_as(reviewer).post(f"/api/v1/items/{other}/retire").json["still_delivered_by"] == [first["id"],
                                                                                               third["id"]]


def test_an_archived_test_starts_no_attempt_and_candidates_no_longer_see_it(api_as, factory):
    item = _approved(factory, factory.user("author"), factory.user("reviewer"))
    admin, candidate = api_as("test_admin"), api_as("candidate")
    test_id = published_test(admin, [item])["id"]
    archived = admin.post(f"/api/v1/tests/{test_id}/archive", json={"comment": "form replaced"})
    assert archived.status_code == 200 and archived.json["status"] == "archived"
    refused = assert_problem(candidate.post(f"/api/v1/tests/{test_id}/attempts"), 409)
    assert "archived" in refused["detail"] and refused["errors"][0]["field"] == "test_id"
    assert test_id not in [test["id"] for test in candidate.get("/api/v1/tests").json]
    assert_problem(candidate.get(f"/api/v1/tests/{test_id}"), 404)
    assert admin.get(f"/api/v1/tests/{test_id}").json["status"] == "archived"
    assert test_id in [test["id"] for test in admin.get("/api/v1/tests").json]
    again = assert_problem(admin.post(f"/api/v1/tests/{test_id}/archive"), 409)
    assert "already archived" in again["detail"]
    assert_problem(admin.post(f"/api/v1/tests/{test_id}/publish"), 409)  # withdrawn for good
    (event,) = [e for e in api_as("admin").get("/api/v1/audit").json if e["action"] == "test.archived"]
    assert event["entity_id"] == str(test_id)
    assert event["detail"] == {"was": "published", "comment": "form replaced"}


def test_an_attempt_under_way_runs_to_its_end_and_its_result_stands(api_as, factory):
    item = _approved(factory, factory.user("author"), factory.user("reviewer"))
    admin, candidate = api_as("test_admin"), api_as("candidate")
    test_id = published_test(admin, [item], purpose="placement", cut_scores=[{"level": 3, "min_score": 1}])["id"]
    started = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert started.status_code == 201
    attempt_id, position = started.json["id"], started.json["items"][0]["position"]
    assert admin.post(f"/api/v1/tests/{test_id}/archive").status_code == 200
    answered = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": {"choice": "B"}})
    assert answered.status_code == 200, answered.json
    assert candidate.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 200
    result = candidate.get(f"/api/v1/attempts/{attempt_id}/result")
    assert result.status_code == 200 and result.json["level"] == 3


def test_an_archived_test_takes_no_session_nor_registration(api_as, factory, fake_clock):
    item = _approved(factory, factory.user("author"), factory.user("reviewer"))
    admin, candidate = api_as("test_admin"), api_as("candidate")
    test_id = published_test(admin, [item], purpose="certification")["id"]
    window = {"title": "Morning", "venue": "Hanoi", "capacity": 10,
              "opens_at": (CLOCK_START + timedelta(days=1)).isoformat(),
              "closes_at": (CLOCK_START + timedelta(days=1, hours=3)).isoformat()}
    sitting = admin.post(f"/api/v1/tests/{test_id}/sessions", json=window)
    assert sitting.status_code == 201, sitting.json
    assert admin.post(f"/api/v1/tests/{test_id}/archive").status_code == 200
    assert "archived" in assert_problem(admin.post(f"/api/v1/tests/{test_id}/sessions", json=window), 409)["detail"]
    registering = admin.post(f"/api/v1/sessions/{sitting.json['id']}/registrations",
                             json={"user_ids": [candidate.user.id]})
    assert "archived" in assert_problem(registering, 409)["detail"]


def test_only_test_administrators_archive_tests(api_as, factory):
    item = _approved(factory, factory.user("author"), factory.user("reviewer"))
    test_id = published_test(api_as("test_admin"), [item])["id"]
    assert_problem(api_as("reviewer").post(f"/api/v1/tests/{test_id}/archive"), 403)
    assert_problem(api_as("test_admin").post("/api/v1/tests/999999/archive"), 404)


def test_creating_and_publishing_a_test_are_audited_with_who_did_it(api_as, factory):
    item = _approved(factory, factory.user("author"), factory.user("reviewer"))
    admin = api_as("test_admin")
    test_id = published_test(admin, [item], purpose="placement", cut_scores=[{"level": 3, "min_score": 1}])["id"]
    events = [e for e in api_as("admin").get("/api/v1/audit").json
              if e["entity_type"] == "test" and e["entity_id"] == str(test_id)]
    assert sorted(e["action"] for e in events) == ["test.created", "test.published"]
    created = next(e for e in events if e["action"] == "test.created")
    assert created["detail"] == {"kind": "fixed", "purpose": "placement", "items": 1}
    assert {e["actor_id"] for e in events} == {admin.get("/api/v1/auth/me").json["id"]}


def test_an_item_in_review_can_be_retired(api_as, factory):
    """Before, only a draft or an approved item could be: one withdrawn during review had to be rejected first."""
    author = factory.user("author")
    client = api_as(author)
    item_id = client.post("/api/v1/items", json=single_choice_spec()).json["id"]
    assert client.post(f"/api/v1/items/{item_id}/submit").json["status"] == "in_review"
    retired = api_as("reviewer").post(f"/api/v1/items/{item_id}/retire", json={"comment": "withdrawn in review"})
    assert retired.status_code == 200, retired.json
    assert retired.json["status"] == "retired"
    assert client.get(f"/api/v1/items/{item_id}/reviews").json[-1]["action"] == "retired"
