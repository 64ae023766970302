from __future__ import annotations

import pytest

from core.errors import RuleViolation
from question_bank import item_types

CONTENT = {"stem": "Pick one", "options": [{"id": "A", "text": "yes"}, {"id": "B", "text": "no"}]}
SINGLE = item_types.get("single_choice")


def test_single_choice_scores_one_for_the_key_and_zero_otherwise():
    assert SINGLE.score(CONTENT, {"correct": "B"}, {"choice": "B"}) == item_types.Score(1.0, 1.0)
    assert SINGLE.score(CONTENT, {"correct": "B"}, {"choice": "A"}) == item_types.Score(0.0, 1.0)
    assert SINGLE.score(CONTENT, {"correct": "B"}, None) == item_types.Score(0.0, 1.0)


@pytest.mark.parametrize(("content", "scoring", "fields"), [
    ({"options": CONTENT["options"]}, {"correct": "A"}, {"content.stem"}),
    ({"stem": "x", "options": [{"id": "A", "text": "only"}]}, {"correct": "A"}, {"content.options", "scoring.correct"}),
    ({"stem": "x", "options": [{"id": "A", "text": "a"}, {"id": "A", "text": "b"}]}, {"correct": "A"},
     {"content.options"}),
    ({"stem": "x", "options": [{"id": "A", "text": ""}, {"id": "B", "text": "b"}]}, {"correct": "B"},
     {"content.options.0.text"}),
    (CONTENT, {"correct": "C"}, {"scoring.correct"}),
    (CONTENT, {}, {"scoring.correct"}),
])
def test_single_choice_validation_names_each_broken_field(content, scoring, fields):
    with pytest.raises(RuleViolation) as error:
        SINGLE.validate(content, scoring)
    assert set(error.value.errors) == fields


@pytest.mark.parametrize("answer", [{"choice": "Z"}, {}, {"choice": "A", "extra": 1}, {"choices": ["A"]}])
def test_single_choice_rejects_answers_of_the_wrong_shape(answer):
    with pytest.raises(RuleViolation):
        SINGLE.check_answer(CONTENT, answer)


def test_unknown_item_type_is_a_rule_violation():
    with pytest.raises(RuleViolation) as error:
        item_types.get("hologram")
    assert error.value.field == "type"
