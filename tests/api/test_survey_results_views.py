"""Survey results across views: what one view shows cannot be subtracted from another's to read a few answers."""

from __future__ import annotations

import pytest

from tests.api.test_external_relations_plan import person


@pytest.fixture
def org_hr(api_as, fake_clock):
    return api_as("hr")


def test_a_unit_view_shows_nothing_the_whole_view_leaves_a_small_remainder_of(org_hr, api_as, db_session,
                                                                                factory):
    """QA's case: unit A has five specialists and one leader, unit B one respondent. The whole (7) less unit A's
    specialists (5) would be the two others, both of whom said yes."""
    made = org_hr.post("/api/v1/surveys", json={
        "title": "Needs", "target_groups": ["leaders", "specialists"],
        "questions": [{"id": "q1", "text": "English training?", "type": "choice", "options": ["yes", "no"],
                       "required": True}]})
    assert made.status_code == 201, made.json
    url = f"/api/v1/surveys/{made.json['id']}"
    unit_a, unit_b = factory.unit(), factory.unit()
    for unit, group, answer in [(unit_a, "specialists", "no")] * 5 + [(unit_a, "leaders", "yes"),
                                                                      (unit_b, "specialists", "yes")]:
        who = person(api_as, db_session, unit, None, level=None)
        assert who.post(f"{url}/responses", json={"target_group": group, "answers": {"q1": answer}}).status_code == 201

    whole = org_hr.get(f"{url}/results").json
    view_a = org_hr.get(f"{url}/results?unit_id={unit_a.id}").json
    specialists_a = next(g for g in view_a["by_target_group"] if g["target_group"] == "specialists")
    assert whole["responses"] == 7 and specialists_a["responses"] == 5
    assert whole["suppressed"] or specialists_a["suppressed"]
    shown = [cell["questions"]["q1"]["counts"] for cell in (
        {"questions": whole["overall"]}, view_a | {"questions": view_a["overall"]}, specialists_a,
        *whole["by_target_group"], *whole["by_unit"]) if cell["questions"] is not None]
    assert {"yes": 2, "no": 0} not in [{k: a[k] - b[k] for k in a} for a in shown for b in shown]
