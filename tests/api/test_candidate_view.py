"""Nothing a candidate's client receives holds a key, a scoring rule or an item parameter."""

from __future__ import annotations

from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import single_choice_spec

FORBIDDEN_KEYS = {"scoring", "correct", "accepted", "pairs", "order", "cut_scores", "adaptive", "irt_a", "irt_b",
                  "irt_c", "irt_model", "statistics", "rubric", "min_score", "theta_cuts", "cuts", "left_out",
                  "conversion", "min_raw"}


def _keys(value, found=None):
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


def test_every_candidate_endpoint_keeps_keys_rules_and_parameters_back(api_as, factory, db_session):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    fixed_items, pool = [], []
    for index in range(12):
        item = factory.approved_item(author, reviewer, **single_choice_spec(level=1 + index % 6, correct="C"))
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="3pl", a=1.3, b=-2 + index / 3, c=0.2), calibrated_at=None)
        (fixed_items if index < 3 else pool).append(item)
    admin = api_as("test_admin")
    fixed = admin.post("/api/v1/tests", json={"title": "Fixed", "purpose": "certification",
                                               "item_ids": [i.id for i in fixed_items],
                                               "cut_scores": [{"level": 3, "min_score": 2}],
                                               "time_limit_seconds": 900}).json
    adaptive = admin.post("/api/v1/tests", json={"title": "Adaptive", "purpose": "placement", "kind": "adaptive",
                                                  "adaptive": {"min_items": 3, "max_items": 6}}).json
    for test in (fixed, adaptive):
        admin.post(f"/api/v1/tests/{test['id']}/publish")
    candidate = api_as("candidate")
    seen = [candidate.get("/api/v1/tests"), candidate.get(f"/api/v1/tests/{fixed['id']}"),
            candidate.get(f"/api/v1/tests/{adaptive['id']}"), candidate.get("/api/v1/auth/me")]
    for test in (fixed, adaptive):
        started = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
        seen.append(started)
        attempt_id = started.json["id"]
        position = started.json["items"][0]["position"]
        seen.append(candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}",
                                  json={"answer": {"choice": "C"}}))
        seen.append(candidate.get(f"/api/v1/attempts/{attempt_id}"))
        seen.append(candidate.post(f"/api/v1/attempts/{attempt_id}/submit"))
        seen.append(candidate.get(f"/api/v1/attempts/{attempt_id}/result"))
        seen.append(candidate.get(f"/api/v1/attempts/{attempt_id}"))
    for response in seen:
        assert response.status_code in (200, 201), response.json
        leaked = _keys(response.json) & FORBIDDEN_KEYS
        assert not leaked, (response.request.path, leaked)
    # the answer key's option is indistinguishable from the others in what was delivered
    delivered = seen[4].json["items"][0]["content"]["options"]
    assert all(set(option) == {"id", "text"} for option in delivered)


WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


def _key_revealing_items(factory):
    """Items written as importers and hurried authors write them: the key readable from order and ids."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    ordering = factory.approved_item(author, reviewer, type="ordering", content={
        "stem": "Put the steps in order.",
        "options": [{"id": chr(65 + n), "text": word} for n, word in enumerate(WORDS)]},
        scoring={"order": [chr(65 + n) for n in range(len(WORDS))]})
    matching = factory.approved_item(author, reviewer, type="matching", content={
        "stem": "Match each country to its capital.",
        "sources": [{"id": f"S{n}", "text": country} for n, country in enumerate(["France", "Japan", "Peru"], 1)],
        "targets": [{"id": f"T{n}", "text": city} for n, city in enumerate(["Paris", "Tokyo", "Lima", "Oslo"], 1)]},
        scoring={"pairs": [["S1", "T1"], ["S2", "T2"], ["S3", "T3"]]})
    choice = factory.approved_item(author, reviewer, type="single_choice", content={
        "stem": "Pick the verb.", "shuffle": True,
        "options": [{"id": "A", "text": "runs"}, {"id": "B", "text": "table"}, {"id": "C", "text": "blue"}]},
        scoring={"correct": "A"})
    return [ordering, matching, choice]


def _by_text(options: list[dict]) -> dict[str, str]:
    return {option["text"]: option["id"] for option in options}


def test_options_whose_order_or_ids_give_the_key_away_are_shown_in_each_attempts_own(api_as, factory, db_session):
    from sqlalchemy import select

    from assessment.models import Response

    items = _key_revealing_items(factory)
    admin = api_as("test_admin")
    test = admin.post("/api/v1/tests", json={"title": "Order and match", "purpose": "practice",
                                              "cut_scores": [{"level": 1, "min_score": 1}],
                                              "item_ids": [item.id for item in items]})
    assert test.status_code == 201, test.json
    test = test.json
    assert admin.post(f"/api/v1/tests/{test['id']}/publish").status_code == 200
    orders = set()
    for _ in range(5):
        candidate = api_as("candidate")
        started = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json
        ordering, matching, choice = (item["content"] for item in started["items"])
        # Labelled in the order shown, so the labels tell nothing the order does not; the order is the attempt's.
        assert [option["id"] for option in ordering["options"]] == [f"o{n}" for n in range(1, 9)]
        assert [option["id"] for option in matching["targets"]] == ["t1", "t2", "t3", "t4"]
        assert [option["id"] for option in choice["options"]] == ["o1", "o2", "o3"]
        assert [source["id"] for source in matching["sources"]] == ["S1", "S2", "S3"]  # no key in a source
        orders.add(tuple(option["text"] for option in ordering["options"]))
        again = candidate.get(f"/api/v1/attempts/{started['id']}").json["items"]
        assert [item["content"] for item in again] == [ordering, matching, choice]  # the same on every request

        shown, capitals = _by_text(ordering["options"]), _by_text(matching["targets"])
        answers = [{"order": [shown[word] for word in WORDS]},
                   {"pairs": [["S1", capitals["Paris"]], ["S2", capitals["Tokyo"]], ["S3", capitals["Lima"]]]},
                   {"choice": _by_text(choice["options"])["runs"]}]
        for position, answer in enumerate(answers, 1):
            saved = candidate.put(f"/api/v1/attempts/{started['id']}/responses/{position}", json={"answer": answer},
                                  headers={"Idempotency-Key": f"k{position}"})
            assert saved.status_code == 200 and saved.json["answer"] == answer, saved.json
            replayed = candidate.put(f"/api/v1/attempts/{started['id']}/responses/{position}",
                                     json={"answer": answer}, headers={"Idempotency-Key": f"k{position}"})
            assert replayed.status_code == 200 and replayed.json["answer"] == answer
        view = candidate.get(f"/api/v1/attempts/{started['id']}").json
        assert [item["answer"] for item in view["items"]] == answers  # shown back as the candidate gave them
        stored = db_session.scalars(select(Response.answer).where(Response.attempt_id == started["id"])
                                    .order_by(Response.item_version_id)).all()
        assert stored == [{"order": list("ABCDEFGH")}, {"pairs": [["S1", "T1"], ["S2", "T2"], ["S3", "T3"]]},
                          {"choice": "A"}]  # kept, checked and scored in the item's own ids
        result = candidate.post(f"/api/v1/attempts/{started['id']}/submit").json
        assert (result["raw_score"], result["max_score"]) == (3.0, 3.0)
        # The stored ids are no way in: they are not what this attempt shows.
        second = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json
        refused = candidate.put(f"/api/v1/attempts/{second['id']}/responses/1",
                                json={"answer": {"order": list("ABCDEFGH")}})
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "answer.order"
        candidate.post(f"/api/v1/attempts/{second['id']}/submit")
    assert len(orders) > 1  # 5 attempts showing 8 options in one order: 1 chance in 40320**4


def test_an_attempt_started_before_attempts_had_a_presentation_key_shows_and_takes_the_stored_ids(
        api_as, factory, db_session):
    from assessment.models import Attempt

    ordering = _key_revealing_items(factory)[0]
    admin = api_as("test_admin")
    test = admin.post("/api/v1/tests", json={"title": "Order", "purpose": "practice", "item_ids": [ordering.id],
                                              "cut_scores": [{"level": 1, "min_score": 1}]}).json
    admin.post(f"/api/v1/tests/{test['id']}/publish")
    candidate = api_as("candidate")
    started = candidate.post(f"/api/v1/tests/{test['id']}/attempts").json
    db_session.get(Attempt, started["id"]).presentation_key = None  # as migration 5a0d3c9e7b21 leaves them
    db_session.flush()
    shown = candidate.get(f"/api/v1/attempts/{started['id']}").json["items"][0]["content"]["options"]
    assert [option["id"] for option in shown] == list("ABCDEFGH")
    saved = candidate.put(f"/api/v1/attempts/{started['id']}/responses/1", json={"answer": {"order": list("ABCDEFGH")}})
    assert saved.status_code == 200 and saved.json["answer"] == {"order": list("ABCDEFGH")}
