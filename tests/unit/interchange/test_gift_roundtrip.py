"""LevelPath → GIFT → LevelPath for every type GIFT carries, and a clear refusal for the others."""

from __future__ import annotations

import re

import pytest

from question_bank import item_types
from question_bank.interchange.gift import read_gift, write_gift
from question_bank.interchange.model import ExportableItem, ImportedItem, ImportedStimulus, MediaFile, Unsupported

ABC = [{"id": "A", "text": "yes"}, {"id": "B", "text": "no"}, {"id": "C", "text": "maybe"}]
TF = [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"}]
PASSAGE = ImportedStimulus("passage-3", "Opening hours", "<p>The office opens at <b>8</b>: come early.</p>")

# Every type GIFT carries, written as LevelPath stores items (what the type assumes is left out).
ITEMS = [
    ExportableItem("sc", "single_choice", {"stem": "<p>Pick {one} = #1: a~b</p>", "options": ABC, "shuffle": True},
                   {"correct": "B"}, title="Control: characters", skill="grammar", level=2,
                   tags=("b1", "tense [past]")),
    ExportableItem("sc-ids", "single_choice",
                   {"stem": "Which?", "options": [{"id": "ChoiceA", "text": "<b>bold</b> &amp; more"},
                                                  {"id": "ChoiceB", "text": "50% off"}]},
                   {"correct": "ChoiceA", "points": 2.0}, category="$course$/Imported", stimulus=PASSAGE),
    ExportableItem("mr", "multiple_response", {"stem": "Pick all", "options": [*ABC, {"id": "D", "text": "x"}],
                                               "shuffle": True},
                   {"correct": ["A", "B", "D"], "method": "partial"}),
    ExportableItem("mr-aon", "multiple_response",  # one right choice: GIFT's -100% for the others says it
                   {"stem": "Pick all", "options": ABC, "shuffle": True, "max_choices": 2}, {"correct": ["C"]}),
    ExportableItem("tf", "true_false_not_given", {"stem": "Water boils at 100 °C.", "variant": "true_false",
                                                  "options": TF}, {"correct": "TRUE"}, skill="reading", level=1),
    ExportableItem("sa", "short_answer", {"stem": "Capital of Viet Nam?", "max_length": 30},
                   {"accepted": [{"text": "Ha Noi"}, {"text": "Ha*", "fraction": 0.5},
                                 {"text": "a = b ~ c", "fraction": 1 / 3}]}),
    ExportableItem("sa-spelled", "short_answer", {"stem": "Q"},
                   {"accepted": [{"text": "a", "fraction": 1.0}], "case_sensitive": False, "method": "partial",
                    "points": 1.0}),
    ExportableItem("match", "matching",
                   {"stem": "Classify", "sources": [{"id": "S1", "text": "frog"}, {"id": "S2", "text": "cat"}],
                    "targets": [{"id": "T9", "text": "insect"}, {"id": "T1", "text": "amphibian -&gt; wet"},
                                {"id": "T2", "text": "mammal"}], "shuffle": True},
                   {"pairs": [["S1", "T1"], ["S2", "T2"]], "method": "partial"}),
    ExportableItem("gap", "gap_fill", {"stem": "<p>She {{verb}} to work every day.</p>", "gaps": [{"id": "verb"}]},
                   {"gaps": {"verb": {"accepted": ["walks", "go*"]}}}),
    ExportableItem("gap-end", "gap_fill", {"stem": "The capital of France is {{g1}}", "gaps": [{"id": "g1"}]},
                   {"gaps": {"g1": {"accepted": ["Paris"], "case_sensitive": False}}, "method": "all_or_nothing"}),
    ExportableItem("inline", "inline_choice",
                   {"stem": "{{g1}} is a colour.", "gaps": [{"id": "g1", "options": [
                       {"id": "A", "text": "Red"}, {"id": "B", "text": "Car"}, {"id": "C", "text": "{Run}"}]}]},
                   {"correct": {"g1": "A"}}),
    ExportableItem("essay", "essay", {"stem": "Write to a friend.", "min_words": 100, "max_words": 150},
                   {"rubric": "<p>Task 1 rubric</p>", "points": 10.0}, skill="writing", level=3, language="vi"),
]


def _round_trip(item: ExportableItem) -> ImportedItem:
    text, skipped = write_gift([item])
    assert skipped == []
    [result] = read_gift("export.gift", text)
    assert isinstance(result, ImportedItem), result
    return result


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: item.identifier)
def test_every_type_gift_carries_comes_back_unchanged(item):
    item_types.get(item.type).validate(item.content, item.scoring)
    result = _round_trip(item)
    assert (result.type, result.content, result.scoring) == (item.type, item.content, item.scoring)
    assert (result.identifier, result.title, result.skill, result.level, result.tags, result.language) == \
        (item.identifier, item.title, item.skill, item.level, item.tags, item.language)
    assert result.stimulus == item.stimulus


def test_categories_come_back_or_are_made_from_skill_and_level():
    text, _ = write_gift(ITEMS)
    results = {r.identifier: r for r in read_gift("all.gift", text)}
    assert results["sc-ids"].category == "$course$/Imported"
    assert results["sc"].category == "$course$/LevelPath/grammar/level 2"
    assert results["mr"].category == "$course$/LevelPath"
    assert text.count("$CATEGORY:") == len({r.category for r in results.values()}) == 5
    assert {i: (r.type, r.content, r.scoring) for i, r in results.items()} == \
        {i.identifier: (i.type, i.content, i.scoring) for i in ITEMS}


def test_the_gift_text_is_what_moodle_reads():
    text, _ = write_gift([ITEMS[0], ITEMS[2], ITEMS[5], ITEMS[8]])
    assert text == (
        "$CATEGORY: $course$/LevelPath/grammar/level 2\n\n"
        "// [id:sc]\n"
        "// [tag:b1] [tag:tense [past\\]] [tag:lp-skill:grammar] [tag:lp-level:2] [tag:lp-type:single_choice]\n"
        "::Control\\: characters::[html]<p>Pick \\{one\\} \\= \\#1\\: a\\~b</p>{~yes =no ~maybe}\n\n"
        "$CATEGORY: $course$/LevelPath\n\n"
        "// [id:mr]\n"
        "// [tag:lp-type:multiple_response]\n"
        "[html]Pick all{~%33.3333333%yes ~%33.3333333%no ~%-33.3333333%maybe ~%33.3333333%x}\n\n"
        "// [id:sa]\n"
        "// [tag:lp-type:short_answer]\n"
        '// levelpath: {"content":{"max_length":30}}\n'
        "[html]Capital of Viet Nam?{=Ha Noi =%50%Ha* =%33.3333333%a \\= b \\~ c}\n\n"
        "// [id:gap]\n"
        "// [tag:lp-type:gap_fill]\n"
        '// levelpath: {"ids":[["verb"]]}\n'
        "[html]<p>She {=walks =go*} to work every day.</p>\n")


def test_without_the_levelpath_comment_moodle_defaults_apply():
    """What Moodle sees when it imports the file: GIFT's own defaults, LevelPath's type still from the tags."""
    text, _ = write_gift(ITEMS)
    results = {r.identifier: r for r in read_gift("moodle.gift", re.sub(r"// levelpath: .*\n", "", text))}
    assert results["sc-ids"].scoring == {"correct": "A"}
    assert results["sc-ids"].content["shuffle"] is True
    assert results["sc-ids"].content["stem"].startswith('<div class="levelpath-stimulus">')
    assert results["gap-end"].type == "gap_fill"
    assert results["essay"].scoring["rubric"].startswith("No grader information came with this question")


def test_same_scores_before_and_after_the_round_trip():
    cases = {"mr": [{"choices": c} for c in (["A"], ["A", "B", "D"], ["A", "B", "C", "D"], ["C"])],
             "sa": [{"text": t} for t in ("ha noi", "Hang", "a = b ~ c", "nothing")],
             "match": [{"pairs": [["S1", "T1"], ["S2", "T9"]]}, {"pairs": [["S1", "T1"], ["S2", "T2"]]}],
             "gap": [{"gaps": {"verb": "goes"}}, {"gaps": {"verb": "runs"}}]}
    items = {item.identifier: item for item in ITEMS}
    for identifier, answers in cases.items():
        item, result = items[identifier], _round_trip(items[identifier])
        kind = item_types.get(item.type)
        assert [kind.score(result.content, result.scoring, a) for a in answers] == \
            [kind.score(item.content, item.scoring, a) for a in answers]


PNG = MediaFile("media/pic.png", b"\x89PNG\r\n\x1a\n" + bytes(8), "image/png")
REFUSED = [
    (ExportableItem("mr-aon-2", "multiple_response", {"stem": "Pick all", "options": ABC}, {"correct": ["A", "C"]}),
     "GIFT has no all-or-nothing multiple answer: Moodle would give each right choice its share, where LevelPath "
     "gives nothing for part of them"),
    (ExportableItem("ord", "ordering", {"stem": "O", "options": ABC}, {"order": ["A", "B", "C"]}),
     "GIFT has no ordering question"),
    (ExportableItem("spk", "speaking", {"stem": "Talk", "response_seconds": 60}, {"rubric": "r"}),
     "GIFT has no recorded-answer question"),
    (ExportableItem("tfng", "true_false_not_given",
                    {"stem": "S", "variant": "true_false_not_given",
                     "options": [*TF, {"id": "NOT_GIVEN", "text": "Not Given"}]}, {"correct": "NOT_GIVEN"}),
     "GIFT true/false questions have no 'Not Given'"),
    (ExportableItem("gaps", "gap_fill", {"stem": "{{a}} and {{b}}", "gaps": [{"id": "a"}, {"id": "b"}]},
                    {"gaps": {"a": {"accepted": ["x"]}, "b": {"accepted": ["y"]}}}),
     "a GIFT missing-word question has one gap; this item has 2"),
    (ExportableItem("case", "short_answer", {"stem": "Q"}, {"accepted": [{"text": "London"}], "case_sensitive": True}),
     "GIFT short answers ignore case; this item's answers are case-sensitive"),
    (ExportableItem("gap-case", "gap_fill", {"stem": "{{a}}", "gaps": [{"id": "a"}]},
                    {"gaps": {"a": {"accepted": ["X"], "case_sensitive": True}}}),
     "GIFT short answers ignore case; this item's answers are case-sensitive"),
    (ExportableItem("media", "single_choice", {"stem": '<img src="media/pic.png" />', "options": ABC},
                    {"correct": "A"}, media=(PNG,)),
     "GIFT cannot embed files (media/pic.png)"),
    (ExportableItem("passage-media", "essay", {"stem": "E"}, {"rubric": "r"},
                    stimulus=ImportedStimulus("s", "S", '<img src="media/pic.png" />', media=(PNG,))),
     "GIFT cannot embed files (media/pic.png)"),
    (ExportableItem("match", "matching", {"stem": "M", "sources": [{"id": "S1", "text": "a"},
                                                                   {"id": "S2", "text": "b"}],
                                          "targets": [{"id": "T1", "text": "x"}]}, {"pairs": [["S1", "T1"]]}),
     "a source has no partner; GIFT pairs every question with an answer"),
    (ExportableItem("weird", "inline_choice", {"stem": "{{g1}}.", "gaps": [{"id": "g1", "options": [
        {"id": "A", "text": "[html]x"}, {"id": "B", "text": "y"}]}]}, {"correct": {"g1": "B"}}),
     "GIFT would read the start of the answer '[html]x' as a weight or a text format"),
    (ExportableItem("arrow", "short_answer", {"stem": "Q"}, {"accepted": [{"text": "a -> b"}]}),
     "GIFT would read the answer 'a -> b' as a matching pair ('->')"),
    (ExportableItem("label", "single_choice", {"stem": "Q", "options": [{"id": "A", "text": "<b>x</b>"},
                                                                        {"id": "B", "text": "%10% off"}]},
                    {"correct": "A"}),
     "GIFT would read the start of the answer '%10% off' as a weight or a text format"),
    (ExportableItem("broken", "essay", {"stem": "E", "min_words": 10, "max_words": 5}, {"rubric": "r"}),
     "it breaks LevelPath's rules for its type: content.max_words: must not be below min_words"),
]


def test_items_gift_cannot_carry_are_listed_with_the_reason_and_not_written():
    text, skipped = write_gift([ITEMS[4], *(item for item, _ in REFUSED)])
    assert skipped == [Unsupported(source=i.identifier, identifier=i.identifier, type=i.type,
                                   reason=f"cannot be written as GIFT: {reason}") for i, reason in REFUSED]
    assert [r.identifier for r in read_gift("x.gift", text)] == ["tf"]
    assert text.count("$CATEGORY:") == 1  # no empty category for the refused items


def test_nothing_to_write_gives_an_empty_text():
    assert write_gift([]) == ("", [])


def test_a_one_gap_table_travels_in_the_levelpath_comment_and_more_gaps_are_refused():
    one = ExportableItem("gap-table", "gap_fill", {"stem": "Water boils at {{g1}} °C.", "gaps": [{"id": "g1"}]},
                         {"gaps": {"g1": {"accepted": ["100"]}}, "method": "table", "table": [0.5, 2.0], "points": 2.0})
    two = ExportableItem("gaps-table", "gap_fill", {"stem": "{{a}} and {{b}}", "gaps": [{"id": "a"}, {"id": "b"}]},
                         {"gaps": {"a": {"accepted": ["x"]}, "b": {"accepted": ["y"]}}, "method": "table",
                          "table": [0, 0, 1]})
    text, skipped = write_gift([one, two])
    assert '// levelpath: {"scoring":{"method":"table","points":2.0,"table":[0.5,2.0]}}' in text
    assert skipped == [Unsupported(source="gaps-table", identifier="gaps-table", type="gap_fill",
                                   reason="cannot be written as GIFT: a GIFT missing-word question has one gap; "
                                          "this item has 2")]
    [result] = read_gift("export.gift", text)
    assert (result.content, result.scoring) == (one.content, one.scoring)
