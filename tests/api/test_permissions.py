"""Role checks: who may create, approve, read results, and see which unit's people."""

from __future__ import annotations

from tests.factories import single_choice_spec


def _published_test(api_as, factory, purpose="certification"):
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    admin = api_as("test_admin")
    test_id = admin.post("/api/v1/tests", json={"title": "T", "purpose": purpose, "item_ids": [item.id],
                                                 "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    admin.post(f"/api/v1/tests/{test_id}/publish")
    return test_id


def test_candidate_cannot_create_or_read_items(api_as):
    candidate = api_as("candidate")
    created = candidate.post("/api/v1/items", json=single_choice_spec())
    assert created.status_code == 403
    assert created.content_type == "application/problem+json"
    assert candidate.get("/api/v1/items").status_code == 403


def test_candidate_cannot_read_another_candidates_attempt_or_result(api_as, factory):
    test_id = _published_test(api_as, factory)
    owner, other = api_as("candidate"), api_as("candidate")
    attempt_id = owner.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
    assert other.get(f"/api/v1/attempts/{attempt_id}").status_code == 404
    assert other.put(f"/api/v1/attempts/{attempt_id}/responses/1",
                     json={"answer": {"choice": "A"}}).status_code == 404
    assert other.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 404
    owner.post(f"/api/v1/attempts/{attempt_id}/submit")
    assert other.get(f"/api/v1/attempts/{attempt_id}/result").status_code == 404
    assert owner.get(f"/api/v1/attempts/{attempt_id}/result").status_code == 200


def without_attempt_id(body: bytes, attempt_id: int) -> bytes:
    """A problem body with the attempt's id taken out (it is in the detail and the instance)."""
    return body.replace(f"attempt {attempt_id} ".encode(), b"attempt ID ").replace(
        f"/attempts/{attempt_id}/".encode(), b"/attempts/ID/").replace(f'/attempts/{attempt_id}"'.encode(),
                                                                       b'/attempts/ID"')


def _missing_attempt_problem(response, attempt_id: int) -> bytes:
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    return without_attempt_id(response.get_data(), attempt_id)


def test_another_candidates_attempt_is_answered_exactly_as_a_missing_one(api_as, factory):
    """A 403 for an existing attempt and a 404 for a missing one let a candidate enumerate attempt ids."""
    test_id = _published_test(api_as, factory)
    owner, other, hr = api_as("candidate"), api_as("candidate"), api_as("hr")
    attempt_id = owner.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
    missing_id = attempt_id + 1_000_000
    requests = [("get", "", {}, (other, hr)),
                ("put", "/responses/1", {"json": {"answer": {"choice": "A"}}}, (other,)),
                ("post", "/sections/0/finish", {}, (other,)),
                ("post", "/plays", {"json": {"stimulus_id": 1}}, (other,)),
                ("post", "/submit", {}, (other,)),
                ("get", "/result", {}, (other, hr))]
    for method, suffix, options, callers in requests:
        for caller in callers:
            existing = getattr(caller, method)(f"/api/v1/attempts/{attempt_id}{suffix}", **options)
            missing = getattr(caller, method)(f"/api/v1/attempts/{missing_id}{suffix}", **options)
            assert _missing_attempt_problem(existing, attempt_id) == _missing_attempt_problem(missing, missing_id), \
                suffix
    assert existing.json["detail"] == f"attempt {attempt_id} does not exist"
    assert existing.json["type"] == "/problems/not-found"

    # The candidate (or an administrator, who sees every attempt) still learns why they may not act on it.
    assert owner.post(f"/api/v1/attempts/{attempt_id}/submit").status_code == 200
    closed = owner.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "A"}})
    assert closed.status_code == 409, closed.json
    refused = api_as("admin").put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "A"}})
    assert refused.status_code == 403 and refused.json["detail"] == "only the candidate can answer their attempt"


def test_author_cannot_approve_their_own_item_even_as_reviewer(api_as):
    author_reviewer = api_as("author", "reviewer")
    item_id = author_reviewer.post("/api/v1/items", json=single_choice_spec()).json["id"]
    author_reviewer.post(f"/api/v1/items/{item_id}/submit")
    refused = author_reviewer.post(f"/api/v1/items/{item_id}/approve")
    assert refused.status_code == 403
    assert refused.json["detail"] == "reviewers cannot approve their own items"
    admin = api_as("admin")
    assert admin.get(f"/api/v1/items/{item_id}").json["status"] == "in_review"


def _edit_content(client, item_id, stem):
    item = client.get(f"/api/v1/items/{item_id}").json
    content = dict(item["current_version"]["content"], stem=stem)
    edited = client.patch(f"/api/v1/items/{item_id}", json={"content": content, "scoring": {"correct": "C"}},
                          headers={"If-Match": item["etag"]})
    assert edited.status_code == 200, edited.json
    return edited.json


def test_a_reviewer_who_edited_someone_elses_draft_cannot_decide_on_it(api_as):
    author = api_as("author")
    item_id = author.post("/api/v1/items", json=single_choice_spec()).json["id"]
    for editor in (api_as("author", "reviewer"), api_as("admin")):
        version = _edit_content(editor, item_id, f"Edited by {editor.user.username}: ___?")["current_version"]
        assert version["created_by"] == editor.user.id
        author.post(f"/api/v1/items/{item_id}/submit")
        approve = editor.post(f"/api/v1/items/{item_id}/approve")
        reject = editor.post(f"/api/v1/items/{item_id}/reject", json={"comment": "looks fine to me"})
        for refused in (approve, reject):
            assert refused.status_code == 403 and refused.content_type == "application/problem+json"
            assert f"you wrote version {version['number']} of this item" in refused.json["detail"]
        assert author.get(f"/api/v1/items/{item_id}").json["status"] == "in_review"
        assert api_as("reviewer").post(f"/api/v1/items/{item_id}/reject", json={"comment": "again"}).status_code \
            == 200


def test_a_version_once_approved_by_another_reviewer_no_longer_binds_its_writer(api_as):
    author, editor, other_reviewer = api_as("author"), api_as("author", "reviewer"), api_as("reviewer")
    item_id = author.post("/api/v1/items", json=single_choice_spec()).json["id"]
    _edit_content(editor, item_id, "The editor's stem ___?")
    author.post(f"/api/v1/items/{item_id}/submit")
    assert other_reviewer.post(f"/api/v1/items/{item_id}/approve").status_code == 200
    _edit_content(author, item_id, "The author's new stem ___?")  # back to draft, a version by the author only
    author.post(f"/api/v1/items/{item_id}/submit")
    assert editor.post(f"/api/v1/items/{item_id}/approve").status_code == 200


def test_plain_author_cannot_approve_anyones_item(api_as):
    first, second = api_as("author"), api_as("author")
    item_id = first.post("/api/v1/items", json=single_choice_spec()).json["id"]
    first.post(f"/api/v1/items/{item_id}/submit")
    assert second.post(f"/api/v1/items/{item_id}/approve").status_code == 403
    assert second.post(f"/api/v1/items/{item_id}/submit").status_code == 403


def test_review_decisions_need_an_item_in_review(api_as):
    author, reviewer = api_as("author"), api_as("reviewer")
    item_id = author.post("/api/v1/items", json=single_choice_spec()).json["id"]
    too_early = reviewer.post(f"/api/v1/items/{item_id}/approve")
    assert too_early.status_code == 409 and too_early.json["status_now"] == "draft"
    author.post(f"/api/v1/items/{item_id}/submit")
    rejected = reviewer.post(f"/api/v1/items/{item_id}/reject", json={"comment": "Two options are correct."})
    assert rejected.json["status"] == "draft"
    no_reason = reviewer.post(f"/api/v1/items/{item_id}/reject", json={})
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "comment"


def test_only_test_admins_define_tests_and_only_candidates_take_them(api_as, factory):
    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    body = {"title": "T", "purpose": "placement", "item_ids": [item.id],
            "cut_scores": [{"level": 1, "min_score": 0}]}
    for role in ("candidate", "author", "reviewer", "hr", "rater"):
        assert api_as(role).post("/api/v1/tests", json=body).status_code == 403, role
    test_id = _published_test(api_as, factory)
    assert api_as("author").post(f"/api/v1/tests/{test_id}/attempts").status_code == 403


def test_hr_of_one_unit_cannot_see_another_units_people(api_as, factory):
    home, elsewhere = factory.unit(), factory.unit()
    hr = api_as("hr", unit=home)
    assert hr.get(f"/api/v1/hr/levels?unit_id={home.id}").status_code == 200
    refused = hr.get(f"/api/v1/hr/levels?unit_id={elsewhere.id}")
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"


def test_organisation_wide_hr_sees_every_unit_and_others_see_none(api_as, factory):
    unit = factory.unit()
    assert api_as("hr").get(f"/api/v1/hr/levels?unit_id={unit.id}").status_code == 200
    for role in ("candidate", "author", "test_admin"):
        assert api_as(role, unit=unit).get(f"/api/v1/hr/levels?unit_id={unit.id}").status_code == 403, role


def test_hr_levels_list_only_the_units_own_people(api_as, factory):
    home, elsewhere = factory.unit(), factory.unit()
    test_id = _published_test(api_as, factory)
    for unit in (home, elsewhere):
        candidate = api_as("candidate", unit=unit)
        attempt_id = candidate.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
        candidate.post(f"/api/v1/attempts/{attempt_id}/submit")
    rows = api_as("hr", unit=home).get(f"/api/v1/hr/levels?unit_id={home.id}").json
    assert len(rows) == 1 and rows[0]["unit_id"] == home.id
