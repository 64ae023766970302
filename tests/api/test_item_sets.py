"""Item sets: the passage or recording an item shares with others reaches the candidate with it, pinned to the
item version that was delivered (the VSTEP exam's sections: tests/api/test_vstep_exam.py; raters see it with the
task: tests/api/test_rating.py)."""

from __future__ import annotations

import pytest

from core.errors import RuleViolation
from question_bank import services as bank
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import published_test, single_choice_spec


def _fixed_test(api_as, item_ids):
    return published_test(api_as("test_admin"), item_ids, title="Reading check", purpose="placement",
                          cut_scores=[{"level": 2, "min_score": 1}])["id"]


def test_a_fixed_test_shows_each_item_with_its_passage_or_recording(api_as, factory, db_session):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    passage = bank.create_stimulus(db_session, actor=author.as_actor(), title="Canteen notice",
                                   body="<p>The canteen closes at two on Fridays.</p>")
    recording = bank.create_stimulus(db_session, actor=author.as_actor(), title="Phone message", kind="audio",
                                     body='<audio src="/api/v1/media/abc"></audio>', max_plays=2)
    on_passage = [factory.approved_item(author, reviewer, **single_choice_spec(skill="reading"),
                                        stimulus_id=passage.id) for _ in range(2)]
    on_recording = factory.approved_item(author, reviewer, **single_choice_spec(skill="listening"),
                                         stimulus_id=recording.id)
    alone = factory.approved_item(author, reviewer)
    test_id = _fixed_test(api_as, [on_recording.id, *(i.id for i in on_passage), alone.id])

    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert started.status_code == 201, started.json
    shown = {item["position"]: item["stimulus"] for item in started.json["items"]}
    assert shown[1] == {"id": recording.id, "kind": "audio", "title": "Phone message",
                        "body": '<audio src="/api/v1/media/abc"></audio>', "max_plays": 2, "plays_left": 2}
    assert shown[2] == shown[3] == {"id": passage.id, "kind": "passage", "title": "Canteen notice",
                                    "body": "<p>The canteen closes at two on Fridays.</p>", "max_plays": None,
                                    "plays_left": None}
    assert shown[4] is None
    again = candidate.get(f"/api/v1/attempts/{started.json['id']}")
    assert [item["stimulus"] for item in again.json["items"]] == [shown[1], shown[2], shown[3], None]


def test_a_changed_passage_is_a_new_version_to_review_and_a_published_test_keeps_the_old_one(
        api_as, factory, db_session):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    old = bank.create_stimulus(db_session, actor=author_user.as_actor(), title="Notice", body="<p>Old text.</p>")
    new = bank.create_stimulus(db_session, actor=author_user.as_actor(), title="Notice", body="<p>New text.</p>")
    item = factory.approved_item(author_user, reviewer, **single_choice_spec(skill="reading"), stimulus_id=old.id)
    test_id = _fixed_test(api_as, [item.id])

    author = api_as(author_user)
    read = author.get(f"/api/v1/items/{item.id}")
    changed = author.patch(f"/api/v1/items/{item.id}", json={"stimulus_id": new.id},
                           headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["stimulus_id"] == new.id
    assert changed.json["status"] == "draft"  # what candidates read changed: it needs a fresh review
    assert changed.json["current_version"]["number"] == 2
    versions = author.get(f"/api/v1/items/{item.id}/versions").json
    assert [(v["number"], v["stimulus_id"]) for v in versions] == [(1, old.id), (2, new.id)]
    diff = author.get(f"/api/v1/items/{item.id}/diff?from=1&to=2")  # the passage is what changed
    assert diff.status_code == 200 and diff.json == [{"path": "stimulus_id", "before": old.id, "after": new.id}]

    started = api_as("candidate").post(f"/api/v1/tests/{test_id}/attempts")
    assert started.json["items"][0]["stimulus"]["body"] == "<p>Old text.</p>"  # the version the test holds


def test_a_removed_passage_is_a_new_version_to_review_and_an_absent_key_keeps_it(api_as, factory, db_session):
    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    passage = bank.create_stimulus(db_session, actor=author_user.as_actor(), title="Notice", body="<p>Text.</p>")
    item = factory.approved_item(author_user, reviewer, **single_choice_spec(skill="reading"), stimulus_id=passage.id)
    author = api_as(author_user)

    retitled = author.patch(f"/api/v1/items/{item.id}", json={"title": "Canteen"},
                            headers={"If-Match": author.get(f"/api/v1/items/{item.id}").headers["ETag"]})
    assert retitled.status_code == 200, retitled.json
    assert retitled.json["stimulus_id"] == passage.id and retitled.json["current_version"]["number"] == 1
    assert retitled.json["status"] == "approved"

    removed = author.patch(f"/api/v1/items/{item.id}", json={"stimulus_id": None},
                           headers={"If-Match": retitled.headers["ETag"]})
    assert removed.status_code == 200, removed.json
    assert removed.json["stimulus_id"] is None and removed.json["current_version"]["stimulus_id"] is None
    assert removed.json["current_version"]["number"] == 2
    assert removed.json["status"] == "draft"  # what candidates read changed: it needs a fresh review
    diff = author.get(f"/api/v1/items/{item.id}/diff?from=1&to=2")
    assert diff.json == [{"path": "stimulus_id", "before": passage.id, "after": None}]
    event = api_as("reviewer").get(f"/api/v1/items/{item.id}/audit").json[0]
    assert event["action"] == "item.updated" and event["detail"]["content_changed"] is True
    assert event["detail"]["metadata"] == {"stimulus_id": [passage.id, None]}


def test_removing_the_passage_of_an_item_without_one_changes_nothing(api_as, factory):
    author_user = factory.user("author")
    item = factory.approved_item(author_user, factory.user("reviewer"))
    author = api_as(author_user)
    patched = author.patch(f"/api/v1/items/{item.id}", json={"stimulus_id": None},
                           headers={"If-Match": author.get(f"/api/v1/items/{item.id}").headers["ETag"]})
    assert patched.status_code == 200, patched.json
    assert patched.json["stimulus_id"] is None
    assert (patched.json["current_version"]["number"], patched.json["status"]) == (1, "approved")
    assert len(author.get(f"/api/v1/items/{item.id}/versions").json) == 1


def test_giving_and_removing_a_passage_at_once_is_refused(factory, db_session):
    author = factory.user("author")
    passage = bank.create_stimulus(db_session, actor=author.as_actor(), title="Notice", body="<p>Text.</p>")
    item = bank.create_item(db_session, author=author.as_actor(), draft=bank.ItemDraft(**single_choice_spec()))
    with pytest.raises(RuleViolation) as refused:
        bank.update_item(db_session, actor=author.as_actor(), item_id=item.id, if_match=item.etag,
                         changes=bank.ItemChanges(stimulus_id=passage.id, remove_stimulus=True))
    assert refused.value.field == "stimulus_id"


def test_an_adaptive_test_sends_the_passage_with_each_item_it_gives(api_as, factory, db_session):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    passages = [bank.create_stimulus(db_session, actor=author.as_actor(), title=f"Notice {n}",
                                     body=f"<p>Notice number {n}.</p>") for n in range(20)]
    for index in range(40):
        item = factory.approved_item(author, reviewer, **single_choice_spec(skill=("grammar", "vocabulary")[index % 2]),
                                     stimulus_id=passages[index // 2].id)
        set_irt_parameters(db_session, item_version_id=item.current_version_id, calibrated_at=None,
                           parameters=IrtParameters(model="2pl", a=1.6, b=-2.5 + 5.0 * index / 39))
    admin = api_as("test_admin")
    test = admin.post("/api/v1/tests", json={"title": "Placement", "purpose": "placement", "kind": "adaptive",
                                             "adaptive": {"min_items": 4, "max_items": 4}}).json
    assert admin.post(f"/api/v1/tests/{test['id']}/publish").status_code == 200
    by_id = {p.id: p for p in passages}

    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json
    item, seen = started["items"][0], []
    while item is not None:
        stimulus = item["stimulus"]
        assert stimulus["body"] == by_id[stimulus["id"]].body and stimulus["kind"] == "passage"
        seen.append(stimulus["id"])
        saved = candidate.put(f"/api/v1/attempts/{started['id']}/responses/{item['position']}",
                              json={"answer": {"choice": "B"}})
        assert saved.status_code == 200, saved.json
        item = saved.json["next_item"]
    assert len(seen) == 4


def test_a_recordings_transcript_stays_with_the_examiners(api_as, factory, db_session):
    """The starter bank's listening passages hold the transcript (div.transcript) for reviewers: shown to a
    candidate it would answer the questions on the recording."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    recording = bank.create_stimulus(db_session, actor=author.as_actor(), title="Phone message", kind="audio",
                                     body='<p class="lp-instructions">You will hear it twice.</p>'
                                          '<audio src="/api/v1/media/abc"></audio>'
                                          '<div class="transcript"><p>Your card is <b>ready</b>.</p></div>')
    item = factory.approved_item(author, reviewer, **single_choice_spec(skill="listening"), stimulus_id=recording.id)
    test_id = _fixed_test(api_as, [item.id])

    shown = api_as("candidate").post(f"/api/v1/tests/{test_id}/attempts").json["items"][0]["stimulus"]
    assert shown["body"] == '<p class="lp-instructions">You will hear it twice.</p><audio src="/api/v1/media/abc">' \
                            '</audio>'
    assert "ready" in api_as("author").get(f"/api/v1/stimuli/{recording.id}").json["body"]
