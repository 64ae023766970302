"""An attempt's own order and labels of options (assessment.presentation), without a database."""

from __future__ import annotations

from assessment.presentation import new_presentation_key, present

ORDERING = {"stem": "Order them.", "options": [{"id": letter, "text": letter.lower()} for letter in "ABCDEF"]}


def test_an_attempt_without_a_key_shows_the_item_as_stored_and_takes_its_ids():
    shown = present(None, 7, "ordering", ORDERING)
    assert shown.content is ORDERING
    assert shown.answer_for_item({"order": list("ABCDEF")}) == {"order": list("ABCDEF")}


def test_one_key_draws_one_order_per_item_version_and_answers_go_both_ways():
    key = new_presentation_key()
    first, again, other_version = (present(key, 7, "ordering", ORDERING), present(key, 7, "ordering", ORDERING),
                                   present(key, 8, "ordering", ORDERING))
    assert first.content == again.content and first.to_item == again.to_item
    assert [option["id"] for option in first.content["options"]] == ["o1", "o2", "o3", "o4", "o5", "o6"]
    assert sorted(option["text"] for option in first.content["options"]) == list("abcdef")
    labels = {option["text"]: option["id"] for option in first.content["options"]}
    sent = {"order": [labels[letter] for letter in "abcdef"]}
    assert first.answer_for_item(sent) == {"order": list("ABCDEF")}
    assert first.answer_for_candidate({"order": list("ABCDEF")}) == sent
    assert other_version.to_item.keys() == first.to_item.keys()
    # A stored id is no label: it becomes one no option has, and a malformed answer stays malformed.
    assert first.answer_for_item({"order": ["A", labels["b"]]}) == {"order": ["", "B"]}
    assert first.answer_for_item({"order": "A"}) == {"order": "A"}
    assert first.answer_for_item(["not", "an", "object"]) == ["not", "an", "object"]


def test_only_lists_that_could_give_the_key_away_are_drawn():
    key = new_presentation_key()
    choice = {"stem": "Pick.", "options": [{"id": "A", "text": "a"}, {"id": "B", "text": "b"}]}
    assert present(key, 1, "single_choice", choice).content is choice  # not to be shuffled: as written
    assert present(key, 1, "single_choice", {**choice, "shuffle": True}).to_item.keys() == {"options"}
    tfng = {"stem": "True?", "shuffle": True, "options": [{"id": "TRUE", "text": "True"},
                                                         {"id": "FALSE", "text": "False"}]}
    assert present(key, 1, "true_false_not_given", tfng).content is tfng
    matching = {"stem": "Match.", "sources": [{"id": "S1", "text": "x"}], "targets": [{"id": "T1", "text": "y"}]}
    shown = present(key, 1, "matching", matching)
    assert shown.content["sources"] == matching["sources"] and shown.content["targets"] == [{"id": "t1", "text": "y"}]
    assert shown.answer_for_item({"pairs": [["S1", "t1"]]}) == {"pairs": [["S1", "T1"]]}
