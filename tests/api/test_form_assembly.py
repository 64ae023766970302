"""Parallel VSTEP.3-5 forms assembled from the bank over HTTP (70 forms at scale: tests/unit/psychometrics)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest

from assessment.models import Test
from question_bank import enemies
from question_bank import services as bank
from question_bank.statistics import IrtParameters, set_irt_parameters, statistics_for
from tests.factories import single_choice_spec

N_LISTENING, N_PASSAGES = 70, 8


@pytest.fixture
def calibrated_bank(factory, db_session):
    """Enough approved, calibrated items for a few forms: 70 listening, 8 passages of 10, tasks."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    rng = np.random.default_rng(5)
    made: dict[str, list[int]] = {"listening": [], "reading": [], "writing": [], "speaking": []}

    def calibrated(**spec):
        item = factory.approved_item(author, reviewer, **spec)
        set_irt_parameters(db_session, item_version_id=item.current_version_id, calibrated_at=datetime.now(UTC),
                           parameters=IrtParameters("3pl", float(rng.uniform(0.8, 2.0)), float(rng.normal(0, 1)),
                                                    0.2))
        return item.id

    made["listening"] = [calibrated(**single_choice_spec(skill="listening")) for _ in range(N_LISTENING)]
    for passage in range(N_PASSAGES):
        stimulus = bank.create_stimulus(db_session, actor=author.as_actor(), title=f"Passage {passage}",
                                        body=f"<p>A notice about the union's training plan, number {passage}.</p>")
        made["reading"] += [calibrated(**single_choice_spec(skill="reading"), stimulus_id=stimulus.id)
                            for _ in range(10)]
    made["writing"] = [factory.approved_item(author, reviewer, type="essay", skill="writing", content={
        "stem": f"Writing task {n}", "min_words": 120, "max_words": 250}, scoring={"rubric": "vstep-writing"}).id
        for n in range(4)]
    made["speaking"] = [factory.approved_item(author, reviewer, type="speaking", skill="speaking", content={
        "stem": f"Speaking part {n}", "preparation_seconds": 60, "response_seconds": 180},
        scoring={"rubric": "vstep-speaking"}).id for n in range(6)]
    first, second = made["listening"][:2]
    enemies.set_enemies(db_session, actor=author.as_actor(), item_id=first,
                        if_match=bank.get_item(db_session, first).etag, enemy_ids=[second])
    return made


def _form_items(db_session, test_id: int) -> list[int]:
    return [entry.item_version.item_id for entry in db_session.get(Test, test_id).entries]


def test_forms_meet_the_format_stay_apart_and_carry_their_own_tables(api_as, calibrated_bank, db_session):
    overused = calibrated_bank["listening"][5]
    item = bank.get_item(db_session, overused)
    statistics_for(db_session, item.current_version_id).exposure_count = 900
    admin = api_as("test_admin")
    made = admin.post("/api/v1/tests/forms", json={"n_forms": 3, "max_overlap": 0.4, "exposure_ceiling": 500,
                                                   "seed": 7, "title": "Pilot form"})
    assert made.status_code == 201, made.json
    report = made.json
    assert [form["title"] for form in report["forms"]] == ["Pilot form 01", "Pilot form 02", "Pilot form 03"]
    assert report["excluded_for_exposure"] == 1 and report["max_overlap"] <= 0.4
    assert len(report["target_information"]) == 5 and all(v > 0 for v in report["target_information"])
    contents = []
    for form in report["forms"]:
        test = admin.get(f"/api/v1/tests/{form['test_id']}").json
        assert (test["kind"], test["status"]) == ("sectioned", "draft")
        assert [s["item_count"] for s in test["sections"]] == [35, 40, 2, 3]
        listening_table = test["sections"][0]["conversion"]
        assert listening_table[0]["min_raw"] == 0.0 and float(listening_table[-1]["score"]) >= 8.5
        assert all(x["min_raw"] < y["min_raw"] and float(x["score"]) < float(y["score"])
                   for x, y in itertools.pairwise(listening_table))
        items = _form_items(db_session, form["test_id"])
        assert overused not in items
        assert not {calibrated_bank["listening"][0], calibrated_bank["listening"][1]} <= set(items)  # enemies
        contents.append(set(items))
        assert form["max_relative_deviation"] >= 0 and form["rmsd"] >= 0
    for one, other in itertools.combinations(contents, 2):
        assert len(one & other) <= 0.4 * 80
    # Each form is a real exam: publish one and a candidate can start it.
    assert admin.post(f"/api/v1/tests/{report['forms'][0]['test_id']}/publish").status_code == 200
    started = api_as("candidate").post(f"/api/v1/tests/{report['forms'][0]['test_id']}/attempts")
    assert started.status_code == 201 and len(started.json["items"]) == 35


def test_what_the_bank_cannot_give_is_refused_with_the_reason(api_as):
    admin = api_as("test_admin")
    refused = admin.post("/api/v1/tests/forms", json={"n_forms": 40, "max_overlap": 0.0})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "n_forms" and "cannot give" in refused.json["detail"]
    uneven = admin.post("/api/v1/tests/forms", json={"n_forms": 1, "level_counts": {"listening": {"3": 10}}})
    assert uneven.status_code == 422 and uneven.json["errors"][0]["field"] == "level_counts.listening"
    assert admin.post("/api/v1/tests/forms", json={"n_forms": 0}).status_code == 422
    assert admin.post("/api/v1/tests/forms", json={"n_forms": 2, "max_overlap": 1.5}).status_code == 422
    assert api_as("candidate").post("/api/v1/tests/forms", json={"n_forms": 1}).status_code == 403


def test_forms_take_the_band_rules_in_force_on_the_centres_day(api_as, calibrated_bank, fake_clock):
    """The VSTEP.3-5 bands (QĐ 729/2015) are in force from 2015-03-11: at 17:30 UTC the day before, it is
    already 00:30 on the 11th in Hanoi, so their anchors give the forms' tables (the UTC day has no bands)."""
    fake_clock.set(datetime(2015, 3, 10, 17, 30, tzinfo=UTC))
    made = api_as("test_admin").post("/api/v1/tests/forms", json={"n_forms": 1, "seed": 3})
    assert made.status_code == 201, made.json
    test = api_as("test_admin").get(f"/api/v1/tests/{made.json['forms'][0]['test_id']}").json
    listening_table = test["sections"][0]["conversion"]
    assert listening_table and float(listening_table[-1]["score"]) >= 8.5


def test_a_passage_with_enemies_inside_it_is_left_out_whole_and_said_so(api_as, calibrated_bank, db_session):
    from core.accounts.models import User
    from question_bank.models import Item

    first, second = calibrated_bank["reading"][:2]  # both of the first passage
    author = db_session.get(User, db_session.get(Item, first).author_id)
    enemies.set_enemies(db_session, actor=author.as_actor(), item_id=first,
                        if_match=bank.get_item(db_session, first).etag, enemy_ids=[second])
    made = api_as("test_admin").post("/api/v1/tests/forms", json={"n_forms": 2, "seed": 3})
    assert made.status_code == 201, made.json
    passage = db_session.get(Item, first).current_version.stimulus_id
    assert f"passage {passage} left out: its items {first} and {second} are enemies, and a form takes a passage " \
           "whole" in made.json["issues"]
    for form in made.json["forms"]:
        assert not set(calibrated_bank["reading"][:10]) & set(_form_items(db_session, form["test_id"]))
