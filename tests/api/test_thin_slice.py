"""The whole foundation in one path: item → review → test → attempt → level → HR."""

from __future__ import annotations

from tests.factories import single_choice_spec

PROBLEM = "application/problem+json"


def test_item_to_certified_level_seen_by_hr(api_as, factory):
    unit = factory.unit()
    author = api_as("author")
    reviewer = api_as("reviewer")
    test_admin = api_as("test_admin")
    candidate = api_as("candidate", unit=unit)
    hr = api_as("hr", unit=unit)

    # The author writes three single-choice items and sends them to review; a reviewer approves them.
    item_ids = []
    for level, correct in ((2, "B"), (3, "C"), (4, "A")):
        created = author.post("/api/v1/items", json=single_choice_spec(level=level, correct=correct))
        assert created.status_code == 201, created.json
        assert created.json["status"] == "draft"
        assert created.json["current_version"]["scoring"] == {"correct": correct}
        item_id = created.json["id"]
        assert author.post(f"/api/v1/items/{item_id}/submit").json["status"] == "in_review"
        approved = reviewer.post(f"/api/v1/items/{item_id}/approve", json={"comment": "Key checked."})
        assert approved.status_code == 200, approved.json
        assert approved.json["status"] == "approved"
        item_ids.append(item_id)
    trail = reviewer.get(f"/api/v1/items/{item_ids[0]}/reviews").json
    assert [step["action"] for step in trail] == ["submitted", "approved"]
    assert trail[1]["comment"] == "Key checked."

    # The test administrator builds a short certification test with raw-score cut-offs and publishes it.
    created = test_admin.post("/api/v1/tests", json={
        "title": "Short check", "purpose": "certification", "item_ids": item_ids,
        "cut_scores": [{"level": 2, "min_score": 1}, {"level": 3, "min_score": 2}, {"level": 4, "min_score": 3}],
    })
    assert created.status_code == 201, created.json
    test_id = created.json["id"]
    assert created.json["item_count"] == 3
    assert candidate.post(f"/api/v1/tests/{test_id}/attempts").status_code == 404  # a draft is invisible
    assert test_admin.post(f"/api/v1/tests/{test_id}/publish").json["status"] == "published"

    # The candidate starts an attempt and receives the items without their keys.
    started = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert started.status_code == 201, started.json
    attempt = started.json
    assert [item["position"] for item in attempt["items"]] == [1, 2, 3]
    assert "scoring" not in started.text and "correct" not in started.text
    assert all(set(item["content"]) == {"stem", "options"} for item in attempt["items"])

    # Answers: two right, one wrong; the wrong one is first given right then changed.
    for position, choice in ((1, "B"), (2, "C"), (3, "A"), (3, "D")):
        saved = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/{position}",
                              json={"answer": {"choice": choice}})
        assert saved.status_code == 200, saved.json
    resumed = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert [item["answer"] for item in resumed["items"]] == [{"choice": "B"}, {"choice": "C"}, {"choice": "D"}]

    result = candidate.post(f"/api/v1/attempts/{attempt['id']}/submit")
    assert result.status_code == 200, result.json
    assert (result.json["raw_score"], result.json["max_score"], result.json["level"]) == (2.0, 3.0, 3)
    assert candidate.get(f"/api/v1/attempts/{attempt['id']}/result").json["level"] == 3
    late = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/3", json={"answer": {"choice": "A"}})
    assert late.status_code == 409 and late.content_type == PROBLEM

    # HR of the candidate's unit sees the certified level.
    levels = hr.get(f"/api/v1/hr/levels?unit_id={unit.id}")
    assert levels.status_code == 200, levels.json
    assert [(row["user_id"], row["level"], row["basis"]) for row in levels.json] == [
        (candidate.user.id, 3, "certification")]


def test_a_gap_item_scored_by_a_table_earns_the_tables_points_for_each_number_of_gaps_right(api_as):
    author, reviewer, test_admin, candidate = (api_as(role) for role in ("author", "reviewer", "test_admin",
                                                                         "candidate"))
    options = [{"id": "A", "text": "kidneys"}, {"id": "B", "text": "bladder"}, {"id": "C", "text": "urethra"}]
    created = author.post("/api/v1/items", json={
        "type": "inline_choice", "skill": "reading", "level": 3,
        "content": {"stem": "{{g1}} → {{g2}} → {{g3}}", "gaps": [{"id": g, "options": options}
                                                                 for g in ("g1", "g2", "g3")]},
        "scoring": {"correct": {"g1": "A", "g2": "B", "g3": "C"}, "method": "table", "points": 2,
                    "table": [0, 0, 1, 2]}})
    assert created.status_code == 201, created.json
    item_id = created.json["id"]
    author.post(f"/api/v1/items/{item_id}/submit")
    assert reviewer.post(f"/api/v1/items/{item_id}/approve", json={"comment": "ok"}).status_code == 200
    test_id = test_admin.post("/api/v1/tests", json={
        "title": "Urine", "purpose": "placement", "item_ids": [item_id],
        "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    test_admin.post(f"/api/v1/tests/{test_id}/publish")
    keys, wrong = {"g1": "A", "g2": "B", "g3": "C"}, {"g1": "B", "g2": "C", "g3": "A"}
    for right, points in enumerate([0.0, 0.0, 1.0, 2.0]):  # 2 of 3 right earns 1, not 4/3
        attempt = candidate.post(f"/api/v1/tests/{test_id}/attempts").json
        gaps = {gap: (keys if index < right else wrong)[gap] for index, gap in enumerate(keys)}
        saved = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/1", json={"answer": {"gaps": gaps}})
        assert saved.status_code == 200, saved.json
        result = candidate.post(f"/api/v1/attempts/{attempt['id']}/submit").json
        assert (result["raw_score"], result["max_score"]) == (points, 2.0), right


def test_below_lowest_cut_gives_no_level_and_nothing_for_hr(api_as, factory):
    unit = factory.unit()
    author, reviewer = factory.user("author"), factory.user("reviewer")
    item = factory.approved_item(author, reviewer, scoring={"correct": "A"})
    test_admin = api_as("test_admin")
    test_id = test_admin.post("/api/v1/tests", json={
        "title": "One item", "purpose": "certification", "item_ids": [item.id],
        "cut_scores": [{"level": 3, "min_score": 1}]}).json["id"]
    test_admin.post(f"/api/v1/tests/{test_id}/publish")
    candidate = api_as("candidate", unit=unit)
    attempt_id = candidate.post(f"/api/v1/tests/{test_id}/attempts").json["id"]
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json  # nothing answered
    assert (result["raw_score"], result["level"]) == (0.0, None)
    assert api_as("hr", unit=unit).get(f"/api/v1/hr/levels?unit_id={unit.id}").json == []


def test_one_attempt_in_progress_per_candidate_and_test(api_as, factory):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    item = factory.approved_item(author, reviewer)
    test_admin = api_as("test_admin")
    test_id = test_admin.post("/api/v1/tests", json={
        "title": "Once", "purpose": "placement", "item_ids": [item.id],
        "cut_scores": [{"level": 1, "min_score": 0}]}).json["id"]
    test_admin.post(f"/api/v1/tests/{test_id}/publish")
    candidate = api_as("candidate")
    first = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    second = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert first.status_code == 201
    assert second.status_code == 409 and second.json["attempt_id"] == first.json["id"]
    candidate.post(f"/api/v1/attempts/{first.json['id']}/submit")
    assert candidate.post(f"/api/v1/tests/{test_id}/attempts").status_code == 201


def test_tests_accept_only_approved_items(api_as, factory):
    author = api_as("author")
    draft_id = author.post("/api/v1/items", json=single_choice_spec()).json["id"]
    response = api_as("test_admin").post("/api/v1/tests", json={
        "title": "Draft items", "purpose": "placement", "item_ids": [draft_id],
        "cut_scores": [{"level": 1, "min_score": 1}]})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "item_ids.0"
    assert "approved" in response.json["detail"]
