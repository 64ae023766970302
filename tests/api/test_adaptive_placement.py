"""An adaptive placement test over HTTP: one item at a time, no revisits, idempotent answers, a placement."""

from __future__ import annotations

import json

import pytest

from sqlalchemy import func, select

from assessment.models import AttemptItem, Response
from question_bank.models import ItemStatistics
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import CLOCK_START, TEST_PASSWORD, single_choice_spec, statements_run

SECRET_WORDS = ("scoring", "correct", "irt_", "calibrat")


@pytest.fixture
def calibrated_bank(factory, db_session):
    """40 approved single-choice items with 2PL parameters spread over the ability scale."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = []
    for index in range(40):
        b = -2.5 + 5.0 * index / 39
        skill = ("grammar", "vocabulary")[index % 2]
        item = factory.approved_item(author, reviewer, **single_choice_spec(level=min(6, 1 + index // 7),
                                                                            skill=skill, correct="B"))
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.6, b=b), calibrated_at=None)
        items.append((item, b))
    return items


def _adaptive_test(api_as, time_limit_seconds: int | None = None, **settings):
    admin = api_as("test_admin")
    body = {"title": "Placement", "purpose": "placement", "kind": "adaptive", "time_limit_seconds": time_limit_seconds,
            "adaptive": {"min_items": 5, "max_items": 12, "classification_confidence": 0.8,
                         "selector": "randomesque:2", "skills": ["grammar", "vocabulary"], **settings}}
    created = admin.post("/api/v1/tests", json=body)
    assert created.status_code == 201, created.json
    assert admin.post(f"/api/v1/tests/{created.json['id']}/publish").status_code == 200
    return created.json


def _item_b(db_session, bank, attempt_id, position) -> float:
    version_id = db_session.get(AttemptItem, (attempt_id, position)).item_version_id
    return next(b for item, b in bank if item.current_version_id == version_id)


def _assert_no_secrets(response):
    text = json.dumps(response.json).lower()
    assert not any(word in text for word in SECRET_WORDS), text


def test_a_candidate_is_placed_one_item_at_a_time(api_as, calibrated_bank, db_session, factory):
    unit = factory.unit()
    test = _adaptive_test(api_as, selector="maxinfo")  # deterministic: a draw among the best could stop at 3 or 5
    assert test["kind"] == "adaptive" and test["item_count"] == 40
    candidate = api_as("candidate", unit=unit)
    attempt = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
    assert attempt.status_code == 201, attempt.json
    _assert_no_secrets(attempt)
    assert [item["position"] for item in attempt.json["items"]] == [1]
    attempt_id, position, answered = attempt.json["id"], 1, 0
    # a candidate of level 4: right on items easier than 0.5 on the ability scale, wrong above
    while True:
        b = _item_b(db_session, calibrated_bank, attempt_id, position)
        saved = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}",
                              json={"answer": {"choice": "B" if b < 0.5 else "A"}},
                              headers={"Idempotency-Key": f"answer-{position}"})
        assert saved.status_code == 200, saved.json
        _assert_no_secrets(saved)
        answered += 1
        if saved.json["finished"]:
            assert saved.json["next_position"] is None and saved.json["next_item"] is None
            break
        assert saved.json["next_position"] == position + 1
        position += 1
        current = candidate.get(f"/api/v1/attempts/{attempt_id}")
        _assert_no_secrets(current)
        assert [item["position"] for item in current.json["items"]] == [position]  # only the waiting item
        assert saved.json["next_item"] == current.json["items"][0]  # shown at once, no second request needed
    assert 5 <= answered <= 12

    exposures = sum(stats.exposure_count for stats in db_session.query(ItemStatistics))
    assert exposures == answered  # each administered item counted once in the bank's statistics
    result = candidate.get(f"/api/v1/attempts/{attempt_id}/result").json
    assert result["status"] == "scored"
    assert result["level"] == 4
    probabilities = result["placement"]["level_probabilities"]
    assert abs(sum(probabilities.values()) - 1) < 1e-3
    assert max(probabilities, key=probabilities.get) == "4"
    assert set(result["placement"]["skills"]) == {"grammar", "vocabulary"}
    assert result["placement"]["items"] == result["placement"]["answered"] == answered
    assert (result["placement"]["stop_reason"], result["placement"]["issues"]) == ("classified", [])
    levels = api_as("hr", unit=unit).get(f"/api/v1/hr/levels?unit_id={unit.id}&basis=placement").json
    assert [(row["user_id"], row["level"]) for row in levels] == [(candidate.user.id, 4)]


def test_answers_are_idempotent_and_adaptive_items_cannot_be_revisited(api_as, calibrated_bank, db_session):
    test = _adaptive_test(api_as, min_items=8, classification_confidence=None)
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json["id"]
    url = f"/api/v1/attempts/{attempt_id}/responses/1"
    first = candidate.put(url, json={"answer": {"choice": "B"}}, headers={"Idempotency-Key": "k-1"})
    again = candidate.put(url, json={"answer": {"choice": "B"}}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert again.json["next_position"] == first.json["next_position"] == 2
    assert again.json["next_item"] == first.json["next_item"]  # the retry shows the same next item
    assert first.json["next_item"]["position"] == 2 and first.json["next_item"]["answer"] is None
    assert len(db_session.get(AttemptItem, (attempt_id, 2)).set_aside) >= 0
    assert db_session.get(AttemptItem, (attempt_id, 3)) is None  # the retry gave no extra item
    reused = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/2", json={"answer": {"choice": "A"}},
                           headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json["errors"][0]["field"] == "Idempotency-Key"
    revisit = candidate.put(url, json={"answer": {"choice": "A"}})
    assert revisit.status_code == 409
    ahead = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/5", json={"answer": {"choice": "A"}})
    assert ahead.status_code == 404


def test_an_answer_costs_three_statements_and_never_rereads_an_item(api_as, calibrated_bank, client, factory,
                                                                    database, db_session):
    """Answers are the bulk of a placement campaign's requests: the signed-in actor's columns; the locked
    attempt with its test, its items given and their answers, in one query; the new answer, the next item and
    its exposure count, in one statement on PostgreSQL (one each on SQLite, which has no INSERT in WITH).
    The items come from the process's cache of the test's pool (versions never change)."""
    test = _adaptive_test(api_as, selector="maxinfo", min_items=8, classification_confidence=None)
    earlier = api_as("candidate")  # gives the same answers to the same items first: this process has read them
    earlier_id = earlier.post(f"/api/v1/tests/{test['id']}/attempts").json["id"]
    for position in (1, 2):
        assert earlier.put(f"/api/v1/attempts/{earlier_id}/responses/{position}",
                           json={"answer": {"choice": "B"}}).status_code == 200
    candidate = factory.user("candidate")
    login = client.post("/api/v1/auth/login", json={"username": candidate.username, "password": TEST_PASSWORD})
    csrf = {"X-CSRF-Token": login.json["csrf_token"]}
    with statements_run(database.engine) as starting:
        attempt_id = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=csrf).json["id"]
    assert not any(statement.startswith("SELECT attempt_items") for statement in starting)  # a new attempt's
    assert not any(statement.startswith("SELECT responses") for statement in starting)  # are known empty
    assert not any("item_versions" in statement for statement in starting)  # the first item shown: cached
    first = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}}, headers=csrf)
    assert first.status_code == 200, first.json
    with statements_run(database.engine) as answering:
        second = client.put(f"/api/v1/attempts/{attempt_id}/responses/2", json={"answer": {"choice": "B"}},
                            headers=csrf)
    assert second.status_code == 200 and second.json["next_position"] == 3, second.json
    assert not any("item_versions" in statement for statement in answering), answering
    writes = ["WITH"] if database.engine.dialect.name == "postgresql" else ["INSERT"] * 3
    assert [statement.split()[0] for statement in answering] == ["SELECT"] * 2 + writes, answering
    attempt_read = answering[1]
    assert "attempt_items" in attempt_read and "responses" in attempt_read and "tests" in attempt_read
    assert all(f"INSERT INTO {table}" in " ".join(answering[2:])
               for table in ("responses", "attempt_items", "item_statistics")), answering
    answered, given = (db_session.get(AttemptItem, (attempt_id, position)) for position in (2, 3))
    stored = db_session.scalars(select(Response).where(Response.attempt_id == attempt_id,
                                                       Response.item_version_id == answered.item_version_id)).one()
    assert stored.answer == {"choice": "B"} and stored.points is not None
    assert second.json["answered_at"] == stored.answered_at.isoformat()
    deliveries = db_session.scalar(select(func.count()).select_from(AttemptItem).where(
        AttemptItem.item_version_id == given.item_version_id))
    assert db_session.get(ItemStatistics, given.item_version_id).exposure_count == deliveries


def test_handing_in_before_the_minimum_length_places_nobody_and_says_why(api_as, calibrated_bank, factory):
    unit = factory.unit()
    test = _adaptive_test(api_as)  # at least 5 items
    candidate = api_as("candidate", unit=unit)
    attempt_id = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json["id"]
    first = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}},
                          headers={"Idempotency-Key": "first"})
    assert first.json["next_item"]["position"] == 2
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json
    assert (result["status"], result["level"], result["raw_score"], result["max_score"]) == ("scored", None, 1, 2)
    placement = result["placement"]
    assert (placement["items"], placement["answered"], placement["stop_reason"]) == (2, 1, "handed_in")
    assert "too few answers to place: 1 of at least 5" in placement["issues"]
    hr = api_as("hr", unit=unit)
    assert hr.get(f"/api/v1/hr/levels?unit_id={unit.id}&basis=placement").json == []  # no level stored
    assert candidate.put(f"/api/v1/attempts/{attempt_id}/responses/2",
                         json={"answer": {"choice": "B"}}).status_code == 409
    retried = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"answer": {"choice": "B"}},
                            headers={"Idempotency-Key": "first"})  # the first answer's reply was lost
    assert retried.status_code == 200, retried.json
    assert retried.json["finished"] and retried.json["next_position"] is None and retried.json["next_item"] is None


def test_handing_in_without_answering_gives_no_level_and_no_new_placement_to_plan_from(api_as, calibrated_bank,
                                                                                       db_session):
    from assessment.models import AssessedLevel, LevelBasis
    from learning.paths import standing_level

    test = _adaptive_test(api_as)
    candidate = api_as("candidate")
    earlier = AssessedLevel(user_id=candidate.user.id, level=2, basis=LevelBasis.PLACEMENT)
    db_session.add(earlier)
    db_session.flush()
    attempt_id = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json["id"]
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json
    assert (result["level"], result["raw_score"]) == (None, 0)  # was level 4: the prior's
    assert result["theta"] < 0  # the one item given counts as wrong
    assert "too few answers to place: 0 of at least 5" in result["placement"]["issues"]
    # The learning path still rests on the placement the candidate had.
    assert standing_level(db_session, user_id=candidate.user.id, language="en", on=CLOCK_START.date()) == earlier


def test_an_item_given_but_left_unanswered_counts_as_wrong(api_as, calibrated_bank, db_session):
    from assessment import adaptive
    from assessment.models import Test

    test = _adaptive_test(api_as, min_items=1, selector="maxinfo")
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json["id"]
    assert candidate.put(f"/api/v1/attempts/{attempt_id}/responses/1",
                         json={"answer": {"choice": "B"}}).json["next_position"] == 2
    result = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").json
    given = [str(db_session.get(AttemptItem, (attempt_id, position)).item_version_id) for position in (1, 2)]
    engine = adaptive.ENGINES.get(db_session, db_session.get(Test, test["id"]))
    right_then_wrong = engine.resume(given, [1, 0]).result()
    assert result["theta"] == pytest.approx(right_then_wrong.theta)
    assert result["level"] == right_then_wrong.level
    assert result["theta"] < engine.resume(given[:1], [1]).result().theta  # skipping did not help


def test_the_placement_says_why_the_test_stopped(api_as, calibrated_bank, fake_clock):
    full_length = _adaptive_test(api_as, min_items=3, max_items=3, classification_confidence=None)
    candidate = api_as("candidate")
    attempt_id = candidate.post(f"/api/v1/tests/{full_length['id']}/attempts").json["id"]
    for position in (1, 2, 3):
        saved = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": {"choice": "B"}})
    assert saved.json["finished"]
    result = candidate.get(f"/api/v1/attempts/{attempt_id}/result").json
    assert (result["placement"]["stop_reason"], result["placement"]["issues"]) == ("max_items", [])
    assert result["level"] is not None

    timed = _adaptive_test(api_as, time_limit_seconds=600, min_items=1)
    attempt = candidate.post(f"/api/v1/tests/{timed['id']}/attempts").json
    candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/1", json={"answer": {"choice": "B"}})
    fake_clock.advance(minutes=25)  # noticed a quarter of an hour after the deadline
    result = candidate.get(f"/api/v1/attempts/{attempt['id']}/result").json
    assert (result["closed_reason"], result["placement"]["stop_reason"]) == ("time_up", "time_up")
    assert result["submitted_at"] == attempt["deadline"]  # handed in when the time ran out, not when noticed


def test_an_adaptive_test_needs_enough_calibrated_items(api_as, calibrated_bank):
    admin = api_as("test_admin")
    too_long = admin.post("/api/v1/tests", json={"title": "P", "purpose": "placement", "kind": "adaptive",
                                                  "adaptive": {"max_items": 60, "skills": ["grammar"]}})
    assert too_long.status_code == 422
    assert too_long.json["errors"][0]["field"] == "adaptive.skills"
    bad_cuts = admin.post("/api/v1/tests", json={"title": "P", "purpose": "placement", "kind": "adaptive",
                                                  "adaptive": {"cuts": [2, 1, 0, -1, -2]}})
    assert bad_cuts.status_code == 422
    mixed = admin.post("/api/v1/tests", json={"title": "P", "purpose": "placement", "kind": "adaptive",
                                               "item_ids": [1], "adaptive": {}})
    assert mixed.status_code == 422 and mixed.json["errors"][0]["field"] == "item_ids"
    sympson = admin.post("/api/v1/tests", json={"title": "P", "purpose": "placement", "kind": "adaptive",
                                                 "adaptive": {"selector": "sympson-hetter"}})
    assert sympson.status_code == 422


def test_of_two_enemies_on_one_passage_only_the_first_joins_the_pool(api_as, calibrated_bank, factory, db_session):
    from question_bank import services as bank
    from question_bank.models import ItemEnemy

    author, reviewer = factory.user("author"), factory.user("reviewer")
    passage = bank.create_stimulus(db_session, actor=author.as_actor(), title="Notice", body="<p>Canteen news.</p>")
    twins = []
    for _ in range(2):
        item = factory.approved_item(author, reviewer, **single_choice_spec(skill="grammar"), stimulus_id=passage.id)
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.2, b=0.0), calibrated_at=None)
        twins.append(item)
    db_session.add(ItemEnemy(item_id=twins[0].id, enemy_id=twins[1].id))
    db_session.flush()
    test = _adaptive_test(api_as)
    assert test["item_count"] == 41
    assert test["adaptive"]["left_out"] == [
        {"item_id": twins[1].id, "reason": f"an enemy of item {twins[0].id} on the same passage"}]


def test_lengths_that_whole_passages_can_never_make_are_refused(api_as, factory, db_session):
    """Passages of 10 and nothing else: a test of 5 to 8 items could give none (a candidate got an attempt with
    no item), and one of 12 to 15 stopped every candidate at 10, too few to place."""
    from question_bank import services as bank

    author, reviewer = factory.user("author"), factory.user("reviewer")
    for number in range(4):
        passage = bank.create_stimulus(db_session, actor=author.as_actor(), title=f"Passage {number}",
                                       body="<p>A notice.</p>")
        for index in range(10):
            item = factory.approved_item(author, reviewer, **single_choice_spec(skill="reading"),
                                         stimulus_id=passage.id)
            set_irt_parameters(db_session, item_version_id=item.current_version_id, calibrated_at=None,
                               parameters=IrtParameters(model="2pl", a=1.4, b=-2 + (number * 10 + index) / 10))
    admin = api_as("test_admin")

    def create(min_items: int, max_items: int):
        return admin.post("/api/v1/tests", json={"title": "Reading", "purpose": "placement", "kind": "adaptive",
                                                  "adaptive": {"skills": ["reading"], "min_items": min_items,
                                                               "max_items": max_items}})

    for lengths in ((5, 8), (12, 15)):
        refused = create(*lengths)
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "adaptive.min_items"
        assert "up to 10 at a time" in refused.json["detail"]
    assert create(10, 15).status_code == 201


def test_an_attempt_the_engine_has_nothing_for_ends_at_once_and_says_why(api_as, calibrated_bank, monkeypatch):
    """It was left in progress with no item: no result, no hand-in that placed, and no new start."""
    from assessment import services

    test = _adaptive_test(api_as)
    monkeypatch.setattr(services, "administer_next", lambda session, attempt, scores: "pool_exhausted")
    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
    assert started.status_code == 201 and started.json["status"] == "scored" and started.json["items"] == []
    result = candidate.get(f"/api/v1/attempts/{started.json['id']}/result").json
    assert result["level"] is None and result["placement"]["stop_reason"] == "pool_exhausted"


def _take(candidate, test_id, answer) -> dict:
    """Answer every item an adaptive attempt gives with ``answer``; the result."""
    attempt = candidate.post(f"/api/v1/tests/{test_id}/attempts")
    assert attempt.status_code == 201, attempt.json
    attempt_id, position = attempt.json["id"], 1
    while True:
        saved = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}", json={"answer": answer})
        assert saved.status_code == 200, saved.json
        if saved.json["finished"]:
            return candidate.get(f"/api/v1/attempts/{attempt_id}/result").json
        position = saved.json["next_position"]


def test_the_engine_counts_full_marks_as_right_and_a_partly_right_answer_as_wrong(api_as, db_session, factory):
    """Items worth 2 points with partial credit: full marks was a 500 (the engine got 2, not a category of a
    dichotomous item), and 1 point of 2 counted as right. The engine's 2PL is right or wrong: full marks or not."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    for index in range(24):
        item = factory.approved_item(author, reviewer, type="multiple_response", level=3,
                                     skill=("grammar", "vocabulary")[index % 2],
                                     content={"stem": f"Pick the two verbs ({index}).",
                                              "options": [{"id": o, "text": o} for o in "ABCD"]},
                                     scoring={"correct": ["A", "B"], "method": "partial", "points": 2})
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.6, b=-2.5 + 5.0 * index / 23), calibrated_at=None)
    test = _adaptive_test(api_as, selector="maxinfo")  # deterministic: the same answers give the same items
    unit = factory.unit()
    full = _take(api_as("candidate", unit=unit), test["id"], {"choices": ["A", "B"]})
    half = _take(api_as("candidate", unit=unit), test["id"], {"choices": ["A"]})  # 1 point of 2 on every item
    none = _take(api_as("candidate", unit=unit), test["id"], {"choices": ["C"]})
    assert full["level"] == 6 and full["raw_score"] == full["max_score"] == full["placement"]["items"]
    assert (half["level"], half["theta"], half["raw_score"]) == (none["level"], none["theta"], 0)
    assert half["level"] == 1


def test_a_published_test_keeps_the_parameters_it_was_created_with(api_as, calibrated_bank, db_session, factory,
                                                                      monkeypatch):
    """Each process built its engine from the bank's parameters of the moment, so after a calibration workers
    started before and after it gave and scored one attempt with different parameters, and a result depended on
    which worker took its last answer. The pool's parameters are frozen with the pool."""
    from assessment import adaptive
    from assessment.models import Test

    test = _adaptive_test(api_as, selector="maxinfo")
    created_with = adaptive.build_engine(db_session, db_session.get(Test, test["id"]))
    for item, b in calibrated_bank:  # a calibration moves every item
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=0.7, b=b + 1.5), calibrated_at=CLOCK_START)
    db_session.commit()
    before, after = created_with.pool, adaptive.build_engine(db_session, db_session.get(Test, test["id"])).pool
    assert after.item_ids == before.item_ids
    assert (after.a.tolist(), after.b.tolist(), after.c.tolist()) == (before.a.tolist(), before.b.tolist(),
                                                                      before.c.tolist())
    assert set(before.a.tolist()) == {1.6}  # the parameters of the bank when the test was created
    # A worker started after the calibration gives the items the creation-time parameters choose.
    candidate = api_as("candidate", unit=factory.unit())
    attempt = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json
    monkeypatch.setattr(adaptive, "ENGINES", adaptive.EngineCache())
    first = db_session.get(AttemptItem, (attempt["id"], 1)).item_version_id
    saved = candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/1", json={"answer": {"choice": "B"}}).json
    expected = created_with.resume([str(first)], [1]).next_item().item_id
    assert db_session.get(AttemptItem, (attempt["id"], saved["next_position"])).item_version_id == int(expected)
