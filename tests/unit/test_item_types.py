"""Every item type: what it accepts, what it refuses (naming the field), and how it scores."""

from __future__ import annotations

import unicodedata

import pytest

from core.errors import RuleViolation
from question_bank import item_types
from question_bank.item_types.base import Score, matches_accepted

OPTIONS = [{"id": "A", "text": "yes"}, {"id": "B", "text": "no"}, {"id": "C", "text": "maybe"}]

VALID = {
    "single_choice": ({"stem": "Pick one", "options": OPTIONS}, {"correct": "B"}),
    "multiple_response": ({"stem": "Pick all", "options": OPTIONS}, {"correct": ["A", "C"], "method": "partial"}),
    "true_false_not_given": (
        {"stem": "The office opens at 8.", "variant": "true_false_not_given",
         "options": [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"},
                     {"id": "NOT_GIVEN", "text": "Not Given"}]},
        {"correct": "NOT_GIVEN"}),
    "gap_fill": ({"stem": "She {{g1}} to work and {{g2}} home.", "gaps": [{"id": "g1"}, {"id": "g2"}]},
                 {"gaps": {"g1": {"accepted": ["walks", "goes"]},
                           "g2": {"accepted": ["Drives"], "case_sensitive": True}}}),
    "inline_choice": ({"stem": "I {{g1}} tea.", "gaps": [{"id": "g1", "options": OPTIONS}]}, {"correct": {"g1": "A"}}),
    "matching": ({"stem": "Match", "sources": [{"id": "S1", "text": "cat"}, {"id": "S2", "text": "dog"}],
                  "targets": [{"id": "T1", "text": "meow"}, {"id": "T2", "text": "woof"}]},
                 {"pairs": [["S1", "T1"], ["S2", "T2"]], "method": "partial"}),
    "ordering": ({"stem": "Order", "options": OPTIONS}, {"order": ["C", "A", "B"], "method": "partial"}),
    "short_answer": ({"stem": "Capital of Viet Nam?"},
                     {"accepted": [{"text": "Ha Noi"}, {"text": "Hanoi"}, {"text": "Ha*", "fraction": 0.5}]}),
    "essay": ({"stem": "Write a letter", "min_words": 120, "max_words": 180}, {"rubric": "vstep-writing-task1"}),
    "speaking": ({"stem": "Talk about your job", "preparation_seconds": 60, "response_seconds": 120},
                 {"rubric": "vstep-speaking"}),
}


def test_every_registered_type_has_a_valid_example():
    assert set(VALID) == set(item_types.REGISTRY)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_examples_pass(name):
    content, scoring = VALID[name]
    item_types.get(name).validate(content, scoring)


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_missing_stem_and_bad_points_are_named(name):
    content, scoring = VALID[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).validate({k: v for k, v in content.items() if k != "stem"}, {**scoring, "points": -1})
    assert {"content.stem", "scoring.points"} <= set(error.value.errors)


@pytest.mark.parametrize(("name", "content_change", "scoring_change", "field"), [
    ("single_choice", {"options": OPTIONS[:1]}, {}, "content.options"),
    ("single_choice", {}, {"correct": "Z"}, "scoring.correct"),
    ("single_choice", {"options": [{"id": "A", "text": "x"}, {"id": "A", "text": "y"}]}, {"correct": "A"},
     "content.options"),
    ("multiple_response", {}, {"correct": []}, "scoring.correct"),
    ("multiple_response", {}, {"correct": ["A", "A"]}, "scoring.correct"),
    ("multiple_response", {}, {"method": "negative"}, "scoring.method"),
    ("multiple_response", {"min_choices": 3, "max_choices": 2}, {}, "content.min_choices"),
    ("multiple_response", {"min_choices": 3}, {}, "scoring.correct"),  # two right: full marks out of reach
    ("multiple_response", {"min_choices": 9}, {}, "content.min_choices"),  # more than there are options
    ("true_false_not_given", {"variant": "yes_no"}, {}, "content.variant"),
    ("true_false_not_given", {"variant": "true_false"}, {"correct": "TRUE"}, "content.options"),
    ("gap_fill", {"stem": "No markers here."}, {}, "content.stem"),
    ("gap_fill", {}, {"gaps": {"g1": {"accepted": ["x"]}}}, "scoring.gaps"),
    ("gap_fill", {}, {"gaps": {"g1": {"accepted": []}, "g2": {"accepted": ["x"]}}}, "scoring.gaps.g1.accepted"),
    ("inline_choice", {}, {"correct": {"g1": "Z"}}, "scoring.correct.g1"),
    ("matching", {}, {"pairs": [["S1", "T9"]]}, "scoring.pairs"),
    ("matching", {}, {"pairs": [["S1", "T1"], ["S1", "T2"]]}, "scoring.pairs"),
    ("ordering", {}, {"order": ["A", "B"]}, "scoring.order"),
    ("short_answer", {}, {"accepted": [{"text": "x", "fraction": 0.5}]}, "scoring.accepted"),
    ("short_answer", {}, {"accepted": [{"text": " "}]}, "scoring.accepted.0.text"),
    ("essay", {"min_words": 200, "max_words": 100}, {}, "content.max_words"),
    ("essay", {}, {"rubric": ""}, "scoring.rubric"),
    ("speaking", {"response_seconds": 2}, {}, "content.response_seconds"),
])
def test_broken_items_name_the_field(name, content_change, scoring_change, field):
    content, scoring = VALID[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).validate({**content, **content_change}, {**scoring, **scoring_change})
    assert field in error.value.errors, error.value.errors


def test_choice_counts_that_fit_the_key_and_each_other_are_taken():
    content, scoring = VALID["multiple_response"]
    item_types.get("multiple_response").validate({**content, "min_choices": 2, "max_choices": 2}, scoring)
    item_types.get("multiple_response").validate({**content, "min_choices": 0, "max_choices": 3}, scoring)


@pytest.mark.parametrize(("name", "answer", "points"), [
    ("single_choice", {"choice": "B"}, 1.0),
    ("single_choice", {"choice": "A"}, 0.0),
    ("multiple_response", {"choices": ["A", "C"]}, 1.0),
    ("multiple_response", {"choices": ["A"]}, 0.5),
    ("multiple_response", {"choices": ["A", "B"]}, 0.0),  # one right, one wrong
    ("multiple_response", {"choices": ["A", "B", "C"]}, 0.5),
    ("true_false_not_given", {"choice": "NOT_GIVEN"}, 1.0),
    ("true_false_not_given", {"choice": "FALSE"}, 0.0),
    ("gap_fill", {"gaps": {"g1": "  GOES ", "g2": "Drives"}}, 1.0),
    ("gap_fill", {"gaps": {"g1": "walks", "g2": "drives"}}, 0.5),  # g2 is case-sensitive
    ("gap_fill", {"gaps": {}}, 0.0),
    ("inline_choice", {"gaps": {"g1": "A"}}, 1.0),
    ("inline_choice", {"gaps": {"g1": "B"}}, 0.0),
    ("matching", {"pairs": [["S1", "T1"], ["S2", "T2"]]}, 1.0),
    ("matching", {"pairs": [["S1", "T1"]]}, 0.5),
    ("matching", {"pairs": [["S1", "T2"], ["S2", "T1"]]}, 0.0),
    ("ordering", {"order": ["C", "A", "B"]}, 1.0),
    ("ordering", {"order": ["C", "B", "A"]}, 1 / 3),
    ("short_answer", {"text": "hanoi"}, 1.0),
    ("short_answer", {"text": "Ha  Noi"}, 1.0),
    ("short_answer", {"text": "Haiphong"}, 0.5),
    ("short_answer", {"text": "Hue"}, 0.0),
])
def test_scoring(name, answer, points):
    content, scoring = VALID[name]
    item_type = item_types.get(name)
    item_type.check_answer(content, answer)
    assert item_type.score(content, scoring, answer).points == pytest.approx(points)


def test_all_or_nothing_gives_no_partial_credit():
    content, scoring = VALID["multiple_response"]
    scorer = item_types.get("multiple_response")
    assert scorer.score(content, {**scoring, "method": "all_or_nothing"}, {"choices": ["A"]}).points == 0.0
    content, scoring = VALID["gap_fill"]
    assert item_types.get("gap_fill").score(content, {**scoring, "method": "all_or_nothing"},
                                            {"gaps": {"g1": "walks", "g2": "x"}}).points == 0.0


def test_points_weight_the_score():
    content, scoring = VALID["matching"]
    score = item_types.get("matching").score(content, {**scoring, "points": 4}, {"pairs": [["S1", "T1"]]})
    assert (score.points, score.max_points) == (2.0, 4.0)


def test_unanswered_items_score_zero_and_rated_items_wait_for_raters():
    content, scoring = VALID["single_choice"]
    assert item_types.get("single_choice").score(content, scoring, None).points == 0.0
    essay = item_types.get("essay").score(*VALID["essay"], {"text": "Dear Sir"})
    assert essay.pending and essay.max_points == 1.0
    assert item_types.get("essay").score(*VALID["essay"], None).points == 0.0


# Three gaps worth 2 points as the author's table says: 2 of 3 right earns 1, not 4/3.
TABLE_ITEMS = {
    "inline_choice": ({"stem": "{{g1}}, {{g2}} and {{g3}}", "gaps": [{"id": g, "options": OPTIONS}
                                                                   for g in ("g1", "g2", "g3")]},
                      {"correct": {"g1": "A", "g2": "B", "g3": "C"}, "method": "table", "points": 2,
                       "table": [0, 0, 1, 2]}),
    "gap_fill": ({"stem": "{{g1}}, {{g2}} and {{g3}}", "gaps": [{"id": "g1"}, {"id": "g2"}, {"id": "g3"}]},
                 {"gaps": {"g1": {"accepted": ["a"]}, "g2": {"accepted": ["b"]}, "g3": {"accepted": ["c*"]}},
                  "method": "table", "points": 2, "table": [0, 0, 1, 2]}),
}
RIGHT_ANSWERS = {"inline_choice": {"g1": "A", "g2": "B", "g3": "C"}, "gap_fill": {"g1": "a", "g2": "B", "g3": "cat"}}
WRONG_ANSWERS = {"inline_choice": {"g1": "B", "g2": "C", "g3": "A"}, "gap_fill": {"g1": "x", "g2": "y", "g3": "dog"}}


@pytest.mark.parametrize("name", sorted(TABLE_ITEMS))
@pytest.mark.parametrize(("right", "points"), [(0, 0.0), (1, 0.0), (2, 1.0), (3, 2.0)])
def test_a_table_gives_the_points_for_the_number_of_gaps_right(name, right, points):
    content, scoring = TABLE_ITEMS[name]
    item_type = item_types.get(name)
    item_type.validate(content, scoring)
    answer = {"gaps": {gap: (RIGHT_ANSWERS if index < right else WRONG_ANSWERS)[name][gap]
                       for index, gap in enumerate(("g1", "g2", "g3"))}}
    item_type.check_answer(content, answer)
    assert item_type.score(content, scoring, answer) == Score(points=points, max_points=2.0)


def test_with_a_table_no_answer_is_no_gap_right():
    content, scoring = TABLE_ITEMS["inline_choice"]
    scorer = item_types.get("inline_choice")
    assert scorer.score(content, scoring, None) == Score(points=0.0, max_points=2.0)
    generous = {**scoring, "table": [0.5, 1, 1.5, 2]}
    assert scorer.score(content, generous, None) == scorer.score(content, generous, {"gaps": {}}) == \
        Score(points=0.5, max_points=2.0)


@pytest.mark.parametrize(("change", "field"), [
    ({"table": [0, 1, 2]}, "scoring.table"),  # one number per count of gaps right, 0 to 3
    ({"table": None}, "scoring.table"),
    ({"table": "0,0,1,2"}, "scoring.table"),
    ({"table": [0, "0", 1, 2]}, "scoring.table.1"),
    ({"table": [0, False, 1, 2]}, "scoring.table.1"),
    ({"table": [-1, 0, 1, 2]}, "scoring.table.0"),
    ({"table": [0, 0, 3, 2]}, "scoring.table.2"),  # above the item's points
    ({"table": [0, 0, 1, 1.5]}, "scoring.table.3"),  # all right must earn the item's points
    ({"points": 3}, "scoring.table.3"),
    ({"method": "partial"}, "scoring.table"),  # a table with another method is refused, not ignored
    ({"method": "all_or_nothing"}, "scoring.table"),
])
@pytest.mark.parametrize("name", sorted(TABLE_ITEMS))
def test_a_broken_table_is_named(name, change, field):
    content, scoring = TABLE_ITEMS[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).validate(content, {**scoring, **change})
    assert field in error.value.errors, error.value.errors


@pytest.mark.parametrize("name", sorted(set(VALID) - set(TABLE_ITEMS)))
def test_types_without_gaps_refuse_a_table(name):
    content, scoring = VALID[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).validate(content, {**scoring, "method": "table", "table": [0, 1]})
    assert "scoring.method" in error.value.errors


@pytest.mark.parametrize(("name", "answer", "field"), [
    ("single_choice", {"choice": "Z"}, "answer.choice"),
    ("single_choice", {"choice": "A", "extra": 1}, "answer"),
    ("multiple_response", {"choices": ["A", "A"]}, "answer.choices"),
    ("gap_fill", {"gaps": {"g9": "x"}}, "answer.gaps"),
    ("gap_fill", {"gaps": {"g1": 5}}, "answer.gaps.g1"),
    ("inline_choice", {"gaps": {"g1": "Z"}}, "answer.gaps.g1"),
    ("matching", {"pairs": [["S1", "T1"], ["S1", "T2"]]}, "answer.pairs"),
    ("ordering", {"order": ["A", "B"]}, "answer.order"),
    ("short_answer", {"text": "x" * 501}, "answer.text"),
    ("essay", {"text": 12}, "answer.text"),
    ("speaking", {"audio": "not-a-hash"}, "answer.audio"),
])
def test_answers_of_the_wrong_shape_are_refused(name, answer, field):
    content, _scoring = VALID[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).check_answer(content, answer)
    assert error.value.field == field


@pytest.mark.parametrize(("given", "accepted", "case_sensitive", "expected"), [
    ("Ha Noi", "ha noi", False, True), ("Ha Noi", "ha noi", True, False), ("the red car", "*red*", False, True),
    ("a.b", "a.b", False, True), ("axb", "a.b", False, False), ("", "*", False, True),
    ("didn\u2019t", "didn't", False, True), ("well\u2013known", "well-known", False, True),
])
def test_accepted_answer_matching(given, accepted, case_sensitive, expected):
    assert matches_accepted(given, accepted, case_sensitive=case_sensitive) is expected


def test_unknown_item_type_is_a_rule_violation():
    with pytest.raises(RuleViolation) as error:
        item_types.get("hologram")
    assert error.value.field == "type"


@pytest.mark.parametrize(("given", "accepted", "case_sensitive"), [
    ("Tie\u0302\u0301ng Vie\u0323\u0302t", "Tiếng Việt", True),  # typed decomposed (NFD), key composed (NFC)
    ("Tiếng Việt", "Tie\u0302\u0301ng Vie\u0323\u0302t", True),
    ("TIE\u0302\u0301NG VIE\u0323\u0302T", "tiếng việt", False),
    ("tie\u0302\u0301ng anh", "tiếng*", False),
])
def test_composed_and_decomposed_accents_are_the_same_answer(given, accepted, case_sensitive):
    assert matches_accepted(given, accepted, case_sensitive=case_sensitive)


def test_a_decomposed_answer_scores_like_a_composed_one():
    content = {"stem": "Thủ đô là {{g1}}.", "gaps": [{"id": "g1"}]}
    scoring = {"gaps": {"g1": {"accepted": ["Hà Nội"], "case_sensitive": True}}}
    nfd = unicodedata.normalize("NFD", "Hà Nội")
    assert nfd != "Hà Nội"
    assert item_types.get("gap_fill").score(content, scoring, {"gaps": {"g1": nfd}}).points == 1.0
    short = item_types.get("short_answer").score({"stem": "?"}, {"accepted": [{"text": "Hà Nội"}]}, {"text": nfd})
    assert short.points == 1.0


# Values of every wrong JSON type, nested ones included: a check must name the field, never crash.
ODD_VALUES = [None, True, 3, 2.5, "x", "TRUE", [], ["a"], [["A"]], [{}], [{"x": 1}], {}, {"x": 1}, {"id": ["A"]}]


SAMPLE_ANSWERS = {
    "single_choice": {"choice": "B"}, "multiple_response": {"choices": ["A"]},
    "true_false_not_given": {"choice": "TRUE"}, "gap_fill": {"gaps": {"g1": "walks"}},
    "inline_choice": {"gaps": {"g1": "A"}}, "matching": {"pairs": [["S1", "T1"]]},
    "ordering": {"order": ["C", "A", "B"]},
    "short_answer": {"text": "Hanoi"}, "essay": {"text": "Dear Sir"}, "speaking": {"audio": "a" * 64},
}


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*path, index))


def _with(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _with(value[head], rest, new)
    return copy


@pytest.mark.parametrize(("name", "example"), [(name, VALID[name]) for name in sorted(VALID)]
                         + [(name, TABLE_ITEMS[name]) for name in sorted(TABLE_ITEMS)])
def test_odd_values_anywhere_are_named_not_a_crash(name, example):
    content, scoring = example
    item_type = item_types.get(name)
    spec = {"content": content, "scoring": scoring}
    for path in _paths(spec):
        if len(path) < 2:
            continue
        for odd in ODD_VALUES:
            changed = _with(spec, path, odd)
            try:
                item_type.validate(changed["content"], changed["scoring"])
            except RuleViolation as error:
                problems = error.errors
            else:  # accepted: then answers must be checked and scored without crashing too
                problems = None
                try:
                    item_type.check_answer(changed["content"], SAMPLE_ANSWERS[name])
                except RuleViolation:
                    continue
                item_type.score(changed["content"], changed["scoring"], SAMPLE_ANSWERS[name])
            assert problems is None or problems, (path, odd)  # a refusal names its fields


@pytest.mark.parametrize("name", sorted(SAMPLE_ANSWERS))
def test_odd_values_anywhere_in_an_answer_are_named_not_a_crash(name):
    """A candidate's answer is checked before it is stored: a nested list or object where an option id belongs
    (["A"] in a multiple response's choices, {"x": 1} for an inline choice's gap) was a TypeError, a 500."""
    content, scoring = VALID[name]
    item_type = item_types.get(name)
    for path in _paths(SAMPLE_ANSWERS[name]):
        for odd in ODD_VALUES:
            answer = _with(SAMPLE_ANSWERS[name], path, odd)
            try:
                item_type.check_answer(content, answer)
            except RuleViolation as error:
                refused_field = error.field
            else:
                refused_field = None
                item_type.score(content, scoring, answer)  # accepted: it must score
            assert refused_field is None or refused_field.startswith("answer"), (path, odd)


@pytest.mark.parametrize(("name", "content_change", "scoring_change", "field"), [
    ("true_false_not_given", {"options": ["TRUE", "FALSE", "NOT_GIVEN"]}, {}, "content.options.0"),
    ("true_false_not_given", {"options": [{}, {}, {}]}, {}, "content.options.0.id"),
    ("true_false_not_given", {"variant": ["a"]}, {}, "content.variant"),
    ("true_false_not_given", {}, {"correct": ["TRUE"]}, "scoring.correct"),
    ("multiple_response", {}, {"correct": [{"x": 1}]}, "scoring.correct"),
    ("multiple_response", {}, {"correct": [["A"]]}, "scoring.correct"),
    ("ordering", {"options": [{"id": "True", "text": "a"}, {"id": "False", "text": "b"}]}, {"order": [True, False]},
     "scoring.order"),
    ("gap_fill", {"stem": ["{{g1}}"]}, {}, "content.stem"),
    ("inline_choice", {"stem": {"text": "{{g1}}"}}, {}, "content.stem"),
    ("short_answer", {}, {"case_sensitive": "no"}, "scoring.case_sensitive"),
    ("short_answer", {}, {"case_sensitive": None}, "scoring.case_sensitive"),
])
def test_values_of_the_wrong_type_are_named(name, content_change, scoring_change, field):
    content, scoring = VALID[name]
    with pytest.raises(RuleViolation) as error:
        item_types.get(name).validate({**content, **content_change}, {**scoring, **scoring_change})
    assert field in error.value.errors, error.value.errors


def _with_extras(value, marker):
    """A copy of content with an unknown key (holding ``marker``) added to it and to every object inside it."""
    if isinstance(value, dict):
        return {**{key: _with_extras(inner, marker) for key, inner in value.items()}, "onload": marker}
    if isinstance(value, list):
        return [_with_extras(inner, marker) for inner in value]
    return value


@pytest.mark.parametrize("name", sorted(VALID))
def test_unknown_content_keys_at_any_depth_are_named_and_left_out_of_known_content(name):
    content, scoring = VALID[name]
    tainted = _with_extras(content, "<script>alert(1)</script>")
    kind = item_types.get(name)
    with pytest.raises(RuleViolation) as error:
        kind.validate(tainted, scoring)
    assert "content.onload" in error.value.errors
    for key, value in content.items():
        for index, entry in enumerate(value if isinstance(value, list) else []):
            assert f"content.{key}.{index}.onload" in error.value.errors
            for inner, nested in entry.items():
                for position in range(len(nested) if isinstance(nested, list) else 0):
                    assert f"content.{key}.{index}.{inner}.{position}.onload" in error.value.errors
    assert kind.known_content(tainted) == content
    kind.validate(kind.known_content(tainted), scoring)


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_markup_text_of_a_type_is_sanitised_and_nothing_else_changes(name):
    content, _scoring = VALID[name]

    def added(value, addition, key=""):
        if isinstance(value, dict):
            return {k: added(v, addition, k) for k, v in value.items()}
        if isinstance(value, list):
            return [added(v, addition, key) for v in value]
        return value + addition if key in {"stem", "text"} else value

    sanitised = item_types.get(name).sanitise(added(content, '<script>x()</script><b onclick="y()">!</b>'))
    assert sanitised == added(content, "<b>!</b>")
