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
