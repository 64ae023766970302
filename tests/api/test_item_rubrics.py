"""A writing or speaking item names the rubric raters mark it with: a mistyped shipped code, a rubric of the
other skill or a scoring key nobody reads is refused, naming the field, not marked with another rubric."""

from __future__ import annotations

import pytest

from assessment.rating import rubrics
from question_bank.item_types.constructed import SHIPPED_RUBRICS

PROBLEM = "application/problem+json"
TASKS = {
    "essay": {"type": "essay", "skill": "writing", "level": 4,
              "content": {"stem": "Write a letter (task 1)", "min_words": 120}},
    "speaking": {"type": "speaking", "skill": "speaking", "level": 4,
                 "content": {"stem": "Talk about your work", "response_seconds": 120}},
}


def test_the_bank_knows_the_rubrics_assessment_ships_under_their_skills():
    assert {r["code"]: r["skill"] for r in rubrics.shipped_rubrics()} == dict(SHIPPED_RUBRICS)
    assert set(rubrics.DEFAULT_FOR_SKILL.values()) <= set(SHIPPED_RUBRICS)


@pytest.mark.parametrize(("task", "scoring", "field", "words"), [
    ("essay", {"rubric": "vstep-writing-taks1"}, "scoring.rubric", "did you mean vstep-writing-task1"),
    ("essay", {"rubric": "VSTEP-writing-task2"}, "scoring.rubric", "did you mean vstep-writing-task2"),
    ("essay", {"rubric": "vstep-speaking"}, "scoring.rubric", "marks speaking"),
    ("speaking", {"rubric": "vstep-writing-task1"}, "scoring.rubric", "marks writing"),
    ("speaking", {"rubric": "vstep-speakng"}, "scoring.rubric", "did you mean vstep-speaking"),
    ("essay", {"rubric": "vstep-writing-task1", "colour": "red"}, "scoring.colour", "unknown key"),
    ("speaking", {"rubric": "vstep-speaking", "keyz": {"A": 1}}, "scoring.keyz", "unknown key"),
])
def test_a_wrong_rubric_or_an_unknown_scoring_key_is_a_422_naming_it(api_as, task, scoring, field, words):
    author = api_as("author")
    refused = author.post("/api/v1/items", json={**TASKS[task], "scoring": scoring})
    assert refused.status_code == 422 and refused.content_type == PROBLEM, refused.json
    messages = {error["field"]: error["message"] for error in refused.json["errors"]}
    assert words in messages[field], messages
    item = author.post("/api/v1/items", json={**TASKS[task], "scoring": {"rubric": "centre-own-2027"}}).json
    edited = author.patch(f"/api/v1/items/{item['id']}", json={"scoring": scoring}, headers={"If-Match": item["etag"]})
    assert edited.status_code == 422 and field in {error["field"] for error in edited.json["errors"]}


@pytest.mark.parametrize(("task", "rubric"), [
    ("essay", "vstep-writing-task1"), ("essay", "vstep-writing-task2"), ("speaking", "vstep-speaking"),
    ("essay", "centre-essay-2027"), ("essay", "levelpath-writing-basic"), ("speaking", "vstep-speaking-2"),
    ("essay", "Scoring guide: 4 points for a full answer with examples"),
])
def test_shipped_rubrics_of_the_skill_and_a_centres_own_are_taken(api_as, task, rubric):
    made = api_as("author").post("/api/v1/items", json={**TASKS[task], "scoring": {"rubric": rubric, "points": 10}})
    assert made.status_code == 201, made.json
