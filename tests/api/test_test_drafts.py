"""What a test's creation checked still holds when it is published; enemies never share a test."""

from __future__ import annotations

from tests.api.test_bad_input import assert_problem
from tests.api.test_item_bank import set_enemies
from tests.factories import single_choice_spec


def _approved(factory, author, reviewer):
    return factory.approved_item(author, reviewer, **single_choice_spec(correct="B")).id


def _fixed(item_ids):
    return {"title": "Mock", "purpose": "placement", "item_ids": item_ids,
            "cut_scores": [{"level": 3, "min_score": 1}]}


def test_an_item_retired_after_the_test_was_drafted_stops_its_publication(api_as, factory):
    """Before, the draft was published and candidates were given the retired item."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    kept, retired = _approved(factory, author, reviewer), _approved(factory, author, reviewer)
    admin = api_as("test_admin")
    draft = admin.post("/api/v1/tests", json=_fixed([kept, retired]))
    assert draft.status_code == 201
    assert api_as(reviewer).post(f"/api/v1/items/{retired}/retire", json={"comment": "leaked"}).status_code == 200
    refused = assert_problem(admin.post(f"/api/v1/tests/{draft.json['id']}/publish"), 422)
    assert f"item {retired} was retired" in refused["detail"] and refused["errors"][0]["field"] == "item_ids"
    assert admin.get(f"/api/v1/tests/{draft.json['id']}").json["status"] == "draft"
    edited = admin.post("/api/v1/tests", json=_fixed([kept]))  # an item edited since keeps its approved version
    writer = api_as(author)
    etag = writer.get(f"/api/v1/items/{kept}").headers["ETag"]
    content = {"stem": "A new wording", "options": [{"id": "A", "text": "a"}, {"id": "B", "text": "b"}]}
    changed = writer.patch(f"/api/v1/items/{kept}", json={"content": content}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json["status"] == "draft", changed.json
    assert admin.post(f"/api/v1/tests/{edited.json['id']}/publish").status_code == 200


def test_enemies_never_share_a_fixed_test_whenever_they_became_enemies(api_as, factory):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    first, other, second = (_approved(factory, author, reviewer) for _ in range(3))
    admin, writer = api_as("test_admin"), api_as(author)
    assert set_enemies(writer, second, [first]).status_code == 200
    refused = assert_problem(admin.post("/api/v1/tests", json=_fixed([first, other, second])), 422)
    assert refused["errors"][0]["field"] == "item_ids.2" and "enemies" in refused["detail"]
    draft = admin.post("/api/v1/tests", json=_fixed([other, second]))
    assert draft.status_code == 201
    assert set_enemies(writer, other, [second]).status_code == 200
    later = assert_problem(admin.post(f"/api/v1/tests/{draft.json['id']}/publish"), 422)
    assert f"items {other} and {second} are enemies" in later["detail"]


def test_enemies_never_share_an_exam(api_as, factory):
    from tests.api.test_vstep_exam import _exam_payload

    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = factory.vstep_items(author, reviewer)
    listening, reading = items["listening"][3], items["reading"][12]
    assert set_enemies(api_as(author), reading, [listening]).status_code == 200
    refused = assert_problem(api_as("test_admin").post("/api/v1/tests", json=_exam_payload(items)), 422)
    assert refused["errors"][0]["field"] == "sections.1.item_ids.12"


def test_a_code_with_a_line_break_after_it_is_refused(api_as, factory):
    """Python's ``$`` matches before a final newline: "en\\n" passed ^[a-z]{2,3}$, was stored, and no search for
    "en" found the item."""
    author = api_as("author")
    body = {**single_choice_spec(correct="B"), "language": "en\n"}
    refused = assert_problem(author.post("/api/v1/items", json=body), 422)
    assert refused["errors"][0]["field"] == "language"
    assert author.post("/api/v1/items", json={**body, "language": "en"}).status_code == 201
