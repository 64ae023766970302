"""An adaptive test keeps the enemies its items had when it was published, in every worker and after restarts."""

from __future__ import annotations

import pytest

from assessment import adaptive
from assessment.models import AttemptItem, Test
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.api import test_adaptive_placement
from tests.api.test_bad_input import assert_problem
from tests.factories import single_choice_spec

calibrated_bank = test_adaptive_placement.calibrated_bank  # its fixture: 40 items, b from -2.5 to 2.5


def _draft(admin) -> int:
    """A deterministic adaptive draft (maxinfo: the same answers give the same items) over the calibrated bank."""
    created = admin.post("/api/v1/tests", json={
        "title": "Placement", "purpose": "placement", "kind": "adaptive",
        "adaptive": {"min_items": 12, "max_items": 12, "classification_confidence": None, "selector": "maxinfo",
                     "skills": ["grammar", "vocabulary"]}})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _publish(admin, test_id: int) -> None:
    published = admin.post(f"/api/v1/tests/{test_id}/publish")
    assert published.status_code == 200, published.json


def _set_enemies(author, item_id: int, enemy_ids: list[int]) -> None:
    etag = author.get(f"/api/v1/items/{item_id}").headers["ETag"]  # marking enemies is an edit of the item
    marked = author.put(f"/api/v1/items/{item_id}/enemies", json={"enemy_ids": enemy_ids}, headers={"If-Match": etag})
    assert marked.status_code == 200, marked.json


def _make_enemies(author, item_ids: list[int]) -> None:
    """Every two of ``item_ids`` are enemies."""
    for item_id in item_ids:
        _set_enemies(author, item_id, [other for other in item_ids if other != item_id])


def _given(api_as, db_session, bank, test_id: int) -> list[int]:
    """The item versions a candidate of level 4 (right below 0.3 on the ability scale) is given, in order."""
    b_of = {item.current_version_id: b for item, b in bank}
    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert attempt.status_code == 201, attempt.json
    attempt_id, position, given = attempt.json["id"], 1, []
    while True:
        version_id = db_session.get(AttemptItem, (attempt_id, position)).item_version_id
        given.append(version_id)
        saved = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}",
                              json={"answer": {"choice": "B" if b_of[version_id] < 0.3 else "A"}})
        assert saved.status_code == 200, saved.json
        if saved.json["finished"]:
            return given
        position = saved.json["next_position"]


def _middle(bank) -> list:
    """The items a candidate of the middle levels is given first: those of -1 < b < 1."""
    return [item for item, b in bank if -1 < b < 1]


def test_enemies_marked_after_publication_change_the_test_in_no_worker(api_as, calibrated_bank, db_session,
                                                                       factory, monkeypatch):
    """Each process read the enemies from the bank when it first built the test's engine: after a marking, workers
    started before it gave the pair together and workers started after it did not, so an attempt alternating
    between them could be given two enemies, and a restart changed what the published test did."""
    admin = api_as("test_admin")
    test_id = _draft(admin)
    _publish(admin, test_id)
    before = _given(api_as, db_session, calibrated_bank, test_id)
    middle = _middle(calibrated_bank)
    assert len({item.current_version_id for item in middle} & set(before)) >= 2  # the marking would bar some
    _make_enemies(api_as(factory.user("author")), [item.id for item in middle])

    monkeypatch.setattr(adaptive, "ENGINES", adaptive.EngineCache())  # a worker started after the marking
    assert _given(api_as, db_session, calibrated_bank, test_id) == before
    assert adaptive.build_engine(db_session, db_session.get(Test, test_id)).pool.enemies == {}


def test_enemies_marked_before_publication_are_never_given_together(api_as, calibrated_bank, db_session, factory,
                                                                     monkeypatch):
    """Marked after the draft was made, before it was published: they hold in every worker, also in one started
    after they were unmarked."""
    admin, author = api_as("test_admin"), api_as(factory.user("author"))
    middle = _middle(calibrated_bank)
    versions = {item.current_version_id for item in middle}
    test_id = _draft(admin)
    _make_enemies(author, [item.id for item in middle])
    _publish(admin, test_id)
    assert len(versions & set(_given(api_as, db_session, calibrated_bank, test_id))) == 1

    for item in middle:  # unmarked: no item of them is anyone's enemy any more
        _set_enemies(author, item.id, [])
    monkeypatch.setattr(adaptive, "ENGINES", adaptive.EngineCache())  # a worker started after the unmarking
    assert len(versions & set(_given(api_as, db_session, calibrated_bank, test_id))) == 1


def test_two_items_of_one_passage_made_enemies_after_the_draft_stop_its_publication(api_as, calibrated_bank,
                                                                                     db_session, factory):
    """A passage's items come together: the engine would give both enemies once it gave either."""
    from question_bank import services as bank

    author_user, reviewer = factory.user("author"), factory.user("reviewer")
    passage = bank.create_stimulus(db_session, actor=author_user.as_actor(), title="Notice",
                                   body="<p>Canteen news.</p>")
    twins = []
    for _ in range(2):
        item = factory.approved_item(author_user, reviewer, **single_choice_spec(skill="grammar"),
                                     stimulus_id=passage.id)
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.2, b=0.0), calibrated_at=None)
        twins.append(item.id)
    admin = api_as("test_admin")
    test_id = _draft(admin)
    _make_enemies(api_as(author_user), twins)
    refused = assert_problem(admin.post(f"/api/v1/tests/{test_id}/publish"), 422)
    assert f"items {twins[0]} and {twins[1]} share a passage" in refused["detail"]
    assert refused["errors"][0]["field"] == "item_ids"
    assert admin.get(f"/api/v1/tests/{test_id}").json["status"] == "draft"


@pytest.mark.parametrize("marked", [False, True])
def test_a_published_test_shows_its_administrators_the_enemies_it_keeps(api_as, calibrated_bank, factory, marked):
    admin = api_as("test_admin")
    test_id = _draft(admin)
    pair = sorted(item.id for item, _ in calibrated_bank[:2])
    if marked:
        _make_enemies(api_as(factory.user("author")), pair)
    assert "published_enemy_pairs" not in admin.get(f"/api/v1/tests/{test_id}").json["adaptive"]
    _publish(admin, test_id)
    assert admin.get(f"/api/v1/tests/{test_id}").json["adaptive"]["published_enemy_pairs"] == ([pair] if marked
                                                                                              else [])
