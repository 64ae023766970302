"""The VSTEP writing section's two tasks weigh a third and two thirds by their place: each in its own place."""

from __future__ import annotations

from tests.api.test_vstep_exam import _exam_payload
from tests.api.test_bad_input import assert_problem


def test_the_writing_tasks_stand_in_the_places_their_rubrics_give_them(api_as, factory):
    """Listed essay first, the essay weighed a third: both raters' 4 for the letter and 10 for the essay made
    (10 + 2 * 4) / 3 = 6.0 of what is (4 + 2 * 10) / 3 = 8.0."""
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = factory.vstep_items(author, reviewer)
    admin = api_as("test_admin")
    letter, essay = items["writing"]
    refused = assert_problem(admin.post("/api/v1/tests", json=_exam_payload({**items, "writing": [essay, letter]})),
                             422)
    assert refused["errors"][0]["field"] == "sections.2.item_ids.0"
    assert "task 1" in refused["detail"] and "task 2" in refused["detail"]
    other_letter = factory.approved_item(author, reviewer, type="essay", skill="writing",
                                         content={"stem": "Write task 1 again", "min_words": 120, "max_words": 200},
                                         scoring={"rubric": "vstep-writing-task1"}).id
    two_letters = _exam_payload({**items, "writing": [letter, other_letter]})
    refused = assert_problem(admin.post("/api/v1/tests", json=two_letters), 422)
    assert refused["errors"][0]["field"] == "sections.2.item_ids.1"
    own_rubric = factory.approved_item(author, reviewer, type="essay", skill="writing",
                                       content={"stem": "An essay marked with the centre's rubric", "min_words": 250,
                                                "max_words": 400}, scoring={"rubric": "centre-essay-2027"}).id
    kept = admin.post("/api/v1/tests", json=_exam_payload({**items, "writing": [letter, own_rubric]}))
    assert kept.status_code == 201, kept.json  # a rubric of the centre's own names no task: its place decides
    assert admin.post("/api/v1/tests", json=_exam_payload(items)).status_code == 201
