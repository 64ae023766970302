"""An item's skill and level belong to its version, as its passage does (tests/api/test_item_sets.py):
reclassifying an item is a new version, back to review, and published tests keep the classification they were
published with; adaptive pools take approved current versions by their own skill."""

from __future__ import annotations

from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import published_test, single_choice_spec


def _edit(client, item_id, **changes):
    read = client.get(f"/api/v1/items/{item_id}")
    changed = client.patch(f"/api/v1/items/{item_id}", json=changes, headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.json
    return changed.json


def _calibrated(factory, db_session, author, reviewer, count, skill="grammar"):
    items = []
    for index in range(count):
        item = factory.approved_item(author, reviewer, **single_choice_spec(skill=skill, correct="B"))
        set_irt_parameters(db_session, item_version_id=item.current_version_id, calibrated_at=None,
                           parameters=IrtParameters(model="2pl", a=1.6, b=-2.0 + 4.0 * index / max(1, count - 1)))
        items.append(item)
    return items


def _adaptive(admin, skills, size):
    return admin.post("/api/v1/tests", json={
        "title": "Placement", "purpose": "placement", "kind": "adaptive",
        "adaptive": {"min_items": size, "max_items": size, "skills": skills}})


def test_reclassifying_an_approved_item_is_a_new_version_back_in_review(api_as, factory):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    item = factory.approved_item(author_user, reviewer, **single_choice_spec(skill="reading", level=3))
    author = api_as(author_user)

    changed = _edit(author, item.id, skill="listening", level=5)
    assert changed["status"] == "draft"  # nobody reviewed it as a level 5 listening item
    assert (changed["skill"], changed["level"]) == ("listening", 5)  # the item's classification, for the bank
    assert changed["current_version"]["number"] == 2
    assert (changed["current_version"]["skill"], changed["current_version"]["level"]) == ("listening", 5)
    versions = author.get(f"/api/v1/items/{item.id}/versions").json
    assert [(v["number"], v["skill"], v["level"]) for v in versions] == [(1, "reading", 3), (2, "listening", 5)]
    assert versions[0]["content"] == versions[1]["content"]
    diff = author.get(f"/api/v1/items/{item.id}/diff?from=1&to=2").json
    assert diff == [{"path": "level", "before": 3, "after": 5},
                    {"path": "skill", "before": "reading", "after": "listening"}]
    assert author.get(f"/api/v1/items/{item.id}/versions/1").json["skill"] == "reading"

    # the same classification sent again is no change; the level alone is one
    same = _edit(author, item.id, skill="listening", level=5)
    assert same["current_version"]["number"] == 2
    again = _edit(author, item.id, level=4)
    assert (again["current_version"]["number"], again["current_version"]["skill"], again["level"]) == (
        3, "listening", 4)

    assert author.post(f"/api/v1/items/{item.id}/submit").status_code == 200
    approved = api_as(reviewer).post(f"/api/v1/items/{item.id}/approve")
    assert approved.status_code == 200, approved.json
    assert (approved.json["status"], approved.json["current_version"]["skill"]) == ("approved", "listening")


def test_a_reviewer_who_reclassified_a_draft_cannot_approve_it(api_as, factory):
    """A reclassification is a version of its own, so the four-eyes rule covers it as it covers a content edit."""
    author_user = factory.user("author")
    item = api_as(author_user).post("/api/v1/items", json=single_choice_spec(skill="reading", level=3)).json
    both = api_as("author", "reviewer")

    changed = _edit(both, item["id"], level=6)
    assert (changed["status"], changed["current_version"]["number"]) == ("draft", 2)
    assert changed["current_version"]["created_by"] == both.user.id
    assert api_as(author_user).post(f"/api/v1/items/{item['id']}/submit").status_code == 200
    refused = both.post(f"/api/v1/items/{item['id']}/approve")
    assert refused.status_code == 403, refused.json
    assert refused.json["versions"] == [2]


def test_a_published_fixed_test_delivers_and_scores_the_version_under_its_old_skill(api_as, factory):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    item = factory.approved_item(author_user, reviewer, **single_choice_spec(skill="reading", level=3, correct="B"))
    test = published_test(api_as("test_admin"), [item.id], title="Reading check", purpose="placement",
                          cut_scores=[{"level": 2, "min_score": 1}])

    _edit(api_as(author_user), item.id, skill="listening", level=5)

    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
    assert started.status_code == 201, started.json
    assert [entry["skill"] for entry in started.json["items"]] == ["reading"]  # as the test was published
    candidate.put(f"/api/v1/attempts/{started.json['id']}/responses/1", json={"answer": {"choice": "B"}})
    result = candidate.post(f"/api/v1/attempts/{started.json['id']}/submit")
    assert result.status_code == 200, result.json
    assert (result.json["raw_score"], result.json["level"]) == (1.0, 2)
    assert [entry["skill"] for entry in candidate.get(f"/api/v1/attempts/{started.json['id']}").json["items"]] \
        == ["reading"]


def test_a_published_adaptive_test_keeps_the_skills_of_its_pool(api_as, factory, db_session):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    items = _calibrated(factory, db_session, author_user, reviewer, 8, skill="grammar")
    admin = api_as("test_admin")
    test = _adaptive(admin, ["grammar"], 4)
    assert test.status_code == 201, test.json
    assert admin.post(f"/api/v1/tests/{test.json['id']}/publish").status_code == 200

    author = api_as(author_user)
    for item in items:  # after publication: the test's engine is first built by the attempt below
        _edit(author, item.id, skill="reading")

    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{test.json['id']}/attempts").json
    shown, item = [], attempt["items"][0]
    while item is not None:
        shown.append(item["skill"])
        saved = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/{item['position']}",
                              json={"answer": {"choice": "B"}})
        assert saved.status_code == 200, saved.json
        item = saved.json["next_item"]
    assert shown == ["grammar"] * 4
    result = candidate.get(f"/api/v1/attempts/{attempt['id']}/result").json
    assert set(result["placement"]["skills"]) == {"grammar"}  # the skill profile of the published pool


def test_a_published_adaptive_test_groups_its_pool_by_the_passages_its_versions_pin(api_as, factory, db_session):
    """The engine of a published test is built when first needed: a passage given to an item since then (a new
    version, not in the pool) must not regroup the pool."""
    from assessment.adaptive import build_engine
    from assessment.models import Test
    from question_bank import services as bank

    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    passage, other = (bank.create_stimulus(db_session, actor=author_user.as_actor(), title=f"Notice {n}",
                                           body=f"<p>Notice {n}.</p>") for n in (1, 2))
    items = _calibrated(factory, db_session, author_user, reviewer, 6)
    author = api_as(author_user)
    for item in items[:2]:  # reviewed on the passage, with parameters for the new versions
        version_id = _edit(author, item.id, stimulus_id=passage.id)["current_version"]["id"]
        assert author.post(f"/api/v1/items/{item.id}/submit").status_code == 200
        assert api_as(reviewer).post(f"/api/v1/items/{item.id}/approve").status_code == 200
        set_irt_parameters(db_session, item_version_id=version_id, calibrated_at=None,
                           parameters=IrtParameters(model="2pl", a=1.5, b=0.0))
    admin = api_as("test_admin")
    test = _adaptive(admin, ["grammar"], 4)
    assert test.status_code == 201, test.json
    assert admin.post(f"/api/v1/tests/{test.json['id']}/publish").status_code == 200

    assert _edit(author, items[0].id, stimulus_id=other.id)["status"] == "draft"

    engine = build_engine(db_session, db_session.get(Test, test.json["id"]))
    assert set(engine.pool.testlet_names) == {f"stimulus-{passage.id}", None}


def test_an_adaptive_pool_leaves_out_an_item_reclassified_but_not_yet_approved(api_as, factory, db_session):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    items = _calibrated(factory, db_session, author_user, reviewer, 6, skill="grammar")
    author, admin = api_as(author_user), api_as("test_admin")
    moved = [_edit(author, item.id, skill="listening") for item in items[:4]]

    refused = _adaptive(admin, ["listening"], 4)  # not under their new skill: nobody approved it
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"][0]["field"] == "adaptive.skills"
    assert "only 0 approved items" in refused.json["detail"]
    assert {entry["status"] for entry in moved} == {"draft"}
    refused = _adaptive(admin, ["grammar"], 3)  # nor under their old one: the approved version is not current
    assert refused.status_code == 422 and "only 2 approved items" in refused.json["detail"], refused.json

    for entry in moved:  # reviewed as listening items, with parameters for the new versions
        assert author.post(f"/api/v1/items/{entry['id']}/submit").status_code == 200
        assert api_as(reviewer).post(f"/api/v1/items/{entry['id']}/approve").status_code == 200
        set_irt_parameters(db_session, item_version_id=entry["current_version"]["id"], calibrated_at=None,
                           parameters=IrtParameters(model="2pl", a=1.5, b=0.0))
    created = _adaptive(admin, ["listening"], 4)
    assert created.status_code == 201, created.json
    assert created.json["item_count"] == 4


def test_an_import_that_reclassifies_an_approved_item_reports_its_new_version(api_as, factory):
    import io

    from tests.api.test_item_import import QTI_ITEM

    qti = QTI_ITEM.format(identifier="sign-1").replace(' <img src="sign.png" alt="a sign"/>', "").encode()
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    author = api_as(author_user)

    def upload(query):
        response = author.post(f"/api/v1/items/import?{query}", data={"file": (io.BytesIO(qti), "sign-1.xml")},
                               content_type="multipart/form-data")
        assert response.status_code == 200, response.json
        return response.json["entries"]

    [created] = upload("skill=grammar&level=3")
    assert author.post(f"/api/v1/items/{created['item_id']}/submit").status_code == 200
    assert api_as(reviewer).post(f"/api/v1/items/{created['item_id']}/approve").status_code == 200
    assert [entry["status"] for entry in upload("skill=grammar&level=3")] == ["unchanged"]

    [moved] = upload("skill=vocabulary&level=3")
    assert (moved["status"], moved["reason"]) == ("updated", "new version 2")  # not "same content": back to review
    item = author.get(f"/api/v1/items/{created['item_id']}").json
    assert (item["status"], item["skill"], item["current_version"]["skill"]) == ("draft", "vocabulary", "vocabulary")
