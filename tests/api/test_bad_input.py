"""Bad input of every kind gets a problem+json 4xx naming what is wrong; never a 500."""

from __future__ import annotations

import pytest

from api.config import MAX_REQUEST_BYTES
from tests.factories import single_choice_spec

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


def field_errors(body: dict) -> dict[str, str]:
    return {error["field"]: error["message"] for error in body.get("errors", [])}


def test_malformed_json_is_a_400(api_as):
    author = api_as("author")
    response = author.post("/api/v1/items", data='{"type": "single_choice",', content_type="application/json")
    body = assert_problem(response, 400)
    assert "Invalid JSON" in body["detail"]


@pytest.mark.parametrize(("number", "reason"), [
    ("NaN", "NaN is not a number JSON has"), ("Infinity", "Infinity is not a number JSON has"),
    ("-Infinity", "-Infinity is not a number JSON has"), ("1e999", "1e999 is too large a number"),
    ("1" * 5001, "an integer of 5001 digits is too large a number"),
    ("-" + "9" * 4301, "an integer of 4301 digits is too large a number"),
])
def test_numbers_json_does_not_have_are_a_400_on_either_database(api_as, db_session, number, reason):
    """Python's parser takes NaN and Infinity (and 1e999 as infinity): SQLite stored them in an item's scoring and
    PostgreSQL's JSONB refused them, a 422 naming nothing."""
    from sqlalchemy import func, select

    from question_bank.models import Item

    body = ('{"type": "single_choice", "skill": "grammar", "level": 3, "content": {"stem": "x", "options": '
            '[{"id": "A", "text": "a"}, {"id": "B", "text": "b"}]}, "scoring": {"correct": "A", "note": %s}}')
    author = api_as("author")
    refused = assert_problem(author.post("/api/v1/items", data=body % number, content_type="application/json"), 400)
    assert refused["detail"] == f"(body): Invalid JSON body: {reason}."
    assert db_session.scalar(select(func.count()).select_from(Item)) == 0
    assert author.post("/api/v1/items", data=body % "1.5", content_type="application/json").status_code == 201


@pytest.mark.parametrize(("body", "field", "reason"), [
    ('{"name": "laptop\\ud83d"}', "name", "lone UTF-16 surrogate"),
    ('{"name": "lap\\u0000top"}', "name", "NUL character"),
    ('{"name": "laptop", "x\\udc00": 1}', "json", "a key: text may not hold a lone UTF-16 surrogate"),
])
def test_text_no_column_can_store_is_a_422_naming_it_on_either_database(api_as, body, field, reason):
    """A lone surrogate is valid JSON escaping but no character: writing it was a 500. NUL was stored by SQLite
    and refused by PostgreSQL with a 422 naming nothing."""
    response = api_as("author").post("/api/v1/auth/tokens", data=body, content_type="application/json")
    assert reason in field_errors(assert_problem(response, 422))[field]


def test_nested_text_no_column_can_store_is_named_by_its_path(api_as):
    draft = {**single_choice_spec(), "content": {"stem": "Pick \ud800 one", "options": []}}
    errors = field_errors(assert_problem(api_as("author").post("/api/v1/items", json=draft), 422))
    assert list(errors) == ["content.stem"]


@pytest.mark.parametrize(("depth", "status"), [(100, 422), (5_000, 400), (100_000, 400)])
def test_a_body_nested_too_deep_is_refused_not_a_500(api_as, depth, status):
    """Python's parser raises RecursionError past about a thousand levels: that was a 500."""
    body = '{"stem": ' + "[" * depth + "]" * depth + "}"
    refused = assert_problem(api_as("author").post("/api/v1/items", data=body, content_type="application/json"),
                             status)
    assert "nested more than 64 levels deep" in refused["detail"]


def test_a_json_body_that_is_not_an_object_is_a_422(api_as):
    body = assert_problem(api_as("author").post("/api/v1/items", json=["a", "list"]), 422)
    assert body["errors"]


@pytest.mark.parametrize(("field", "value"), [
    ("level", "three"), ("level", 3.5), ("level", True), ("skill", 7), ("content", "a string"),
    ("type", None), ("level", 9), ("skill", "juggling"), ("type", "crossword"),
])
def test_wrong_types_and_values_name_the_field(api_as, field, value):
    spec = {**single_choice_spec(), field: value}
    body = assert_problem(api_as("author").post("/api/v1/items", json=spec), 422)
    errors = field_errors(body)
    assert field in errors, errors


def test_missing_required_fields_are_each_named(api_as):
    body = assert_problem(api_as("author").post("/api/v1/items", json={}), 422)
    assert {"type", "skill", "level", "content", "scoring"} <= set(field_errors(body))


def test_unknown_fields_are_refused_not_dropped(api_as):
    spec = {**single_choice_spec(), "difficulty": 0.3}
    body = assert_problem(api_as("author").post("/api/v1/items", json=spec), 422)
    assert field_errors(body) == {"difficulty": "Unknown field."}


def test_item_content_rules_name_nested_fields(api_as):
    spec = single_choice_spec()
    spec["content"]["options"][1]["text"] = "  "
    spec["scoring"] = {"correct": "Z"}
    body = assert_problem(api_as("author").post("/api/v1/items", json=spec), 422)
    assert {"content.options.1.text", "scoring.correct"} <= set(field_errors(body))


def test_nested_schema_errors_carry_their_path(api_as):
    body = assert_problem(api_as("test_admin").post("/api/v1/tests", json={
        "title": "T", "purpose": "placement", "item_ids": [1, "two"],
        "cut_scores": [{"level": "x", "min_score": 1}]}), 422)
    assert {"item_ids.1", "cut_scores.0.level"} <= set(field_errors(body))


def test_bad_query_parameters_are_422(api_as):
    reader = api_as("reviewer")
    assert "level" in field_errors(assert_problem(reader.get("/api/v1/items?level=high"), 422))
    assert "per_page" in field_errors(assert_problem(reader.get("/api/v1/items?per_page=100000"), 422))
    assert "colour" in field_errors(assert_problem(reader.get("/api/v1/items?colour=red"), 422))
    hr = api_as("hr")
    assert "unit_id" in field_errors(assert_problem(hr.get("/api/v1/hr/levels"), 422))


def test_oversized_body_is_a_413(api_as):
    spec = single_choice_spec()
    spec["content"]["stem"] = "x" * (MAX_REQUEST_BYTES + 10)
    body = assert_problem(api_as("author").post("/api/v1/items", json=spec), 413)
    assert body["title"] == "Content Too Large" or "Too Large" in body["title"]


def test_unknown_ids_are_404(api_as, factory):
    reviewer, candidate = api_as("reviewer"), api_as("candidate")
    assert_problem(reviewer.get("/api/v1/items/999999"), 404)
    assert_problem(reviewer.post("/api/v1/items/999999/approve"), 404)
    assert_problem(candidate.get("/api/v1/tests/999999"), 404)
    assert_problem(candidate.post("/api/v1/tests/999999/attempts"), 404)
    assert_problem(candidate.get("/api/v1/attempts/999999"), 404)
    assert_problem(api_as("hr").get("/api/v1/hr/levels?unit_id=999999"), 404)


def test_answer_at_a_position_the_test_does_not_have_is_404(api_as, factory):
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    admin = api_as("test_admin")
    test_id = admin.post("/api/v1/tests", json={"title": "T", "purpose": "placement", "item_ids": [item.id],
                                                 "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    admin.post(f"/api/v1/tests/{test_id}/publish")
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
    assert_problem(candidate.put(f"/api/v1/attempts/{attempt_id}/responses/7",
                                 json={"answer": {"choice": "A"}}), 404)
    wrong_shape = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "Q"}})
    assert "answer.choice" in field_errors(assert_problem(wrong_shape, 422))


def test_unknown_routes_and_wrong_methods(api_as, client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(api_as("author").get("/api/v1/items/1/nonsense"), 404)
    wrong_method = client.delete("/api/v1/health")
    assert_problem(wrong_method, 405)
    assert "GET" in wrong_method.headers["Allow"]
    assert_problem(api_as("author").delete("/api/v1/items"), 405)


def test_wrong_content_type_is_refused_clearly(api_as):
    response = api_as("author").post("/api/v1/items", data="type=single_choice",
                                      content_type="application/x-www-form-urlencoded")
    body = assert_problem(response, 422)
    assert "type" in field_errors(body)


def test_pages_outside_the_api_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_a_constraint_hit_by_a_concurrent_change_is_a_409_not_a_500(api_as, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from question_bank import services

    def collide(*_args, **_kwargs):
        raise IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr(services, "create_item", collide)
    assert_problem(api_as("author").post("/api/v1/items", json=single_choice_spec()), 409)


def test_an_unreachable_database_is_a_503(api_as, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from question_bank import services

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(services, "create_item", down)
    response = api_as("author").post("/api/v1/items", json=single_choice_spec())
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"


HUGE = 2**80  # larger than any database integer (found by schemathesis as 500s, kept as regressions)


def test_ids_too_large_for_the_database_are_4xx_not_500(api_as):
    admin = api_as("admin")
    assert_problem(admin.get(f"/api/v1/certificates/{HUGE}"), 404)
    assert_problem(admin.get(f"/api/v1/items/1/versions/{HUGE}"), 404)
    assert_problem(admin.get(f"/api/v1/tests/{HUGE}/admission-rules"), 404)
    assert_problem(admin.post(f"/api/v1/certificates/{HUGE}/revoke", json={"reason": "typo"}), 404)
    item = admin.post("/api/v1/items", json=single_choice_spec()).json
    assert "enemy_ids.0" in field_errors(assert_problem(
        admin.put(f"/api/v1/items/{item['id']}/enemies", json={"enemy_ids": [HUGE]}), 422))
    assert "author_id" in field_errors(assert_problem(admin.get(f"/api/v1/items?author_id={HUGE}"), 422))
    assert "item_ids.0" in field_errors(assert_problem(admin.post("/api/v1/tests", json={
        "title": "T", "purpose": "practice", "item_ids": [HUGE], "cut_scores": [{"level": 1, "min_score": 0}]}), 422))


def test_problems_may_carry_extension_members_as_documented(app):
    problem = app.test_client().get("/api/v1/openapi.json").json["components"]["schemas"]["Problem"]
    assert problem.get("additionalProperties") is True  # e.g. current_etag on a 412
