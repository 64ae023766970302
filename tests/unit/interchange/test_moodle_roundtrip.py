"""LevelPath → Moodle XML → LevelPath gives every item back: type, content, scoring and classification."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import groupby

import pytest

from question_bank import item_types
from question_bank.interchange.model import ExportableItem, ImportedItem, ImportedStimulus, MediaFile, Unsupported
from question_bank.interchange.moodle import CannotWrite, read_moodle_xml, write_moodle_xml, write_moodle_xml_skipping

PNG = MediaFile("media/" + "ab" * 32 + ".png", b"\x89PNG\r\n\x1a\n" + bytes(range(40)), "image/png")
OGG = MediaFile("media/listening-1.ogg", b"OggS" + bytes(60), "audio/ogg")
ABC = [{"id": "A", "text": "yes"}, {"id": "B", "text": "no"}, {"id": "C", "text": "maybe"}]
TF = [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"}]
TFNG = [*TF, {"id": "NOT_GIVEN", "text": "Not Given"}]
PASSAGE = ImportedStimulus("reading-passage-7", "The new office",
                           '<p>The office opens at <b>8</b>.</p><div><p>Listen:</p><audio src="media/listening-1.ogg" '
                           'controls></audio></div>', media=(OGG,))

# Every type, written as LevelPath stores items: what the type assumes anyway is left out.
ITEMS = [
    ExportableItem("sc-1", "single_choice", {"stem": "<p>Pick one</p>", "options": ABC, "shuffle": True},
                   {"correct": "B", "points": 2.0}, title="Pick", skill="grammar", level=2, tags=("tenses",)),
    ExportableItem("sc-qti", "single_choice",
                   {"stem": f'Which flag? <img src="{PNG.name}" alt="flag" />',
                    "options": [{"id": "ChoiceA", "text": "Fish &amp; chips"},
                                {"id": "ChoiceB", "text": "<b>bold</b> &lt;tag&gt;"}]},
                   {"correct": "ChoiceB"}, media=(PNG,), category="$course$/Imported/QTI"),
    ExportableItem("mr-partial", "multiple_response",
                   {"stem": "Pick all", "options": [*ABC, {"id": "D", "text": "never"}]},
                   {"correct": ["A", "C", "D"], "method": "partial", "points": 3.0}),
    ExportableItem("mr-aon", "multiple_response",
                   {"stem": "Pick all", "options": ABC, "shuffle": True, "min_choices": 1, "max_choices": 2},
                   {"correct": ["A", "C"]}),
    ExportableItem("mr-one", "multiple_response", {"stem": "Pick", "options": ABC, "shuffle": True},
                   {"correct": ["C"], "method": "partial"}),
    ExportableItem("tf", "true_false_not_given", {"stem": "Water boils at 50 °C.", "variant": "true_false",
                                                  "options": TF}, {"correct": "FALSE"}),
    ExportableItem("tfng", "true_false_not_given", {"stem": "The office opens at 8.", "options": TFNG},
                   {"correct": "NOT_GIVEN"}, stimulus=replace(PASSAGE, media=()), skill="reading", level=3),
    ExportableItem("sa-case", "short_answer", {"stem": "Capital of Viet Nam?", "max_length": 40},
                   {"accepted": [{"text": "Ha Noi"}, {"text": "Hanoi"}, {"text": "Ha*", "fraction": 1 / 3},
                                 {"text": "fish & <chips>", "fraction": 0.5}], "case_sensitive": True}),
    ExportableItem("sa-plain", "short_answer", {"stem": "Name an amphibian"},
                   {"accepted": [{"text": "frog"}, {"text": "toad", "fraction": 0.8}], "method": "all_or_nothing"}),
    ExportableItem("gf", "gap_fill", {"stem": "<p>She {{g2}} to work and {{verb_1}} home.</p>",
                                      "gaps": [{"id": "verb_1"}, {"id": "g2"}]},
                   {"gaps": {"verb_1": {"accepted": ["walks", "go*"]},
                             "g2": {"accepted": ["Drives", 'a}b#c~d/e"f\\g & <h>'], "case_sensitive": True}},
                    "method": "all_or_nothing", "points": 2.0}),
    ExportableItem("ic", "inline_choice",
                   {"stem": "I {{g1}} tea and {{g-2}} coffee.",
                    "gaps": [{"id": "g1", "options": [{"id": "drink", "text": "drink"}, {"id": "eat", "text": "eat"}]},
                             {"id": "g-2", "options": [{"id": "A", "text": "a ~ b"}, {"id": "B", "text": "c } d"},
                                                       {"id": "C", "text": "Tom &amp; Jerry"}]}]},
                   {"correct": {"g1": "drink", "g-2": "C"}}),
    ExportableItem("match", "matching",
                   {"stem": "Classify", "sources": [{"id": "frog", "text": "frog"}, {"id": "cat", "text": "<i>cat</i>"},
                                                    {"id": "newt", "text": "newt"}],
                    "targets": [{"id": "insect", "text": "insect"}, {"id": "amph", "text": "amphibian"},
                                {"id": "mammal", "text": "mammal &amp; pet"}], "shuffle": True},
                   {"pairs": [["frog", "amph"], ["cat", "mammal"], ["newt", "amph"]], "method": "partial",
                    "points": 3.0}),
    ExportableItem("order", "ordering", {"stem": "Put in order", "options": ABC}, {"order": ["C", "A", "B"]}),
    ExportableItem("essay", "essay", {"stem": "Write a letter of complaint.", "min_words": 120, "max_words": 180},
                   {"rubric": "vstep-writing-task1", "points": 10.0}, skill="writing", level=4,
                   language="vi", topic="Consumer rights"),
    ExportableItem("speak", "speaking", {"stem": "Talk about your job.", "preparation_seconds": 60,
                                         "response_seconds": 120},
                   {"rubric": "vstep-speaking"}, stimulus=PASSAGE, skill="speaking", level=5),
]
# The same kinds of item with every default written out: they come back written out too.
SPELLED_OUT = [
    ExportableItem("x-sc", "single_choice", {"stem": "Q", "options": ABC, "shuffle": False},
                   {"correct": "A", "points": 1.0}),
    ExportableItem("x-tfng", "true_false_not_given", {"stem": "S", "variant": "true_false_not_given",
                                                      "options": TFNG}, {"correct": "TRUE", "points": 1}),
    ExportableItem("x-sa", "short_answer", {"stem": "Q"},
                   {"accepted": [{"text": "a", "fraction": 1.0}, {"text": "b", "fraction": 0.5}],
                    "case_sensitive": False, "method": "partial", "points": 1.0}),
    ExportableItem("x-gf", "gap_fill", {"stem": "{{g1}} and {{g2}}", "gaps": [{"id": "g1"}, {"id": "g2"}]},
                   {"gaps": {"g1": {"accepted": ["a"], "case_sensitive": False},
                             "g2": {"accepted": ["B"], "case_sensitive": True}}, "method": "partial"}),
    ExportableItem("x-order", "ordering", {"stem": "O", "options": ABC, "shuffle": False},
                   {"order": ["B", "A", "C"], "method": "all_or_nothing"}),
]


def _round_trip(item: ExportableItem) -> ImportedItem:
    [result] = read_moodle_xml("export.xml", write_moodle_xml([item]))
    assert isinstance(result, ImportedItem), result
    return result


@pytest.mark.parametrize("item", ITEMS + SPELLED_OUT, ids=lambda item: item.identifier)
def test_every_type_comes_back_from_moodle_xml_unchanged(item):
    result = _round_trip(item)
    item_types.get(item.type).validate(item.content, item.scoring)
    assert (result.type, result.content, result.scoring) == (item.type, item.content, item.scoring)
    assert (result.identifier, result.skill, result.level, result.tags) == (item.identifier, item.skill, item.level,
                                                                           item.tags)
    assert (result.language, result.topic) == (item.language, item.topic)
    assert result.title == (item.title or item.identifier)  # Moodle needs a name
    assert result.notes == (("Moodle gives each right pair its share without subtracting wrong pairs; LevelPath's "
                             "partial credit subtracts them",) if item.type == "matching" else ())


def test_categories_come_back_or_are_made_from_skill_and_level():
    assert _round_trip(ITEMS[1]).category == "$course$/Imported/QTI"
    assert _round_trip(ITEMS[0]).category == "$course$/LevelPath/grammar/level 2"
    assert _round_trip(ITEMS[2]).category == "$course$/LevelPath"


def test_media_and_passages_come_back_with_their_files():
    picture = _round_trip(ITEMS[1])
    assert picture.media == (PNG,)
    speaking = _round_trip(ITEMS[-1])
    assert speaking.stimulus == PASSAGE
    assert speaking.media == ()


def test_one_file_holds_every_item_grouped_by_category():
    data = write_moodle_xml(ITEMS)
    results = read_moodle_xml("all.xml", data)
    assert {r.identifier: (r.type, r.content, r.scoring) for r in results} == \
        {i.identifier: (i.type, i.content, i.scoring) for i in ITEMS}
    categories = re.findall(rb"<category>\s*<text>([^<]+)</text>", data)
    assert len(categories) == len(set(categories)) == 6
    runs = [category for category, _ in groupby(r.category for r in results)]
    assert len(runs) == len(set(runs)) == 6  # each category's questions sit together, after its entry


def test_the_xml_is_what_moodle_expects():
    data = write_moodle_xml(ITEMS).decode()
    for qtype in ("multichoice", "truefalse", "shortanswer", "cloze", "matching", "ordering", "essay"):
        assert f'<question type="{qtype}">' in data
    assert '<answer format="html" fraction="33.3333333">' in data and 'fraction="-33.3333333"' in data
    assert "<text>I {1:MULTICHOICE:=drink~eat} tea and {1:MULTICHOICE:a \\~ b~c \\} d~=Tom &amp;amp; Jerry} " \
           "coffee.</text>" in data
    assert r"{1:SHORTANSWER_C:=Drives~=a\}b\#c\~d\/e\"f\\g &amp;amp; &amp;lt;h&amp;gt;}" in data
    assert f'src="@@PLUGINFILE@@/{PNG.name}"' in data and f'<file name="{PNG.name[6:]}" path="/media/"' in data
    assert "<responseformat>noinline</responseformat>" in data
    assert "Preparation time: 60 seconds. Speaking time: 120 seconds." in data
    assert "<text>lp-skill:speaking</text>" in data and "<text>lp-type:speaking</text>" in data
    assert "<minwordlimit>120</minwordlimit>" in data and "<graderinfo format=\"html\">" in data
    assert "<usecase>1</usecase>" in data and '<text>Ha*</text>' in data


def test_levelpath_record_is_written_only_when_moodle_cannot_say_it_all():
    plain = ExportableItem("plain", "single_choice", {"stem": "Q", "options": ABC, "shuffle": True},
                           {"correct": "A"})
    assert b"<levelpath>" not in write_moodle_xml([plain])
    assert b'<levelpath>{"ids":[["ChoiceA","ChoiceB"]]}</levelpath>' in write_moodle_xml([ITEMS[1]])


def test_an_item_edited_in_moodle_loses_only_levelpath_details():
    """Moodle drops the record when it re-exports; tags and the speaking note keep what matters."""
    data = re.sub(rb"<levelpath>.*?</levelpath>", b"", write_moodle_xml(ITEMS))
    results = {r.identifier: r for r in read_moodle_xml("moodle.xml", data)}
    assert all(isinstance(r, ImportedItem) for r in results.values())
    speaking = results["speak"]
    assert (speaking.type, speaking.content["preparation_seconds"], speaking.content["response_seconds"]) == \
        ("speaking", 60, 120)
    assert speaking.stimulus is None and speaking.content["stem"].startswith('<div class="levelpath-stimulus">')
    assert results["tfng"].type == "true_false_not_given"
    assert results["sc-qti"].scoring["correct"] == "B"
    assert results["essay"].language == "en"


def test_what_moodle_says_itself_is_read_with_levelpath_defaults_left_out():
    data = write_moodle_xml([ITEMS[0], ITEMS[13]]).replace(b"<levelpath>", b"<ignored>").replace(
        b"</levelpath>", b"</ignored>")
    choice, essay = read_moodle_xml("moodle.xml", data)
    assert (choice.content, choice.scoring) == (ITEMS[0].content, ITEMS[0].scoring)
    assert (essay.scoring, essay.language, essay.topic) == ({"rubric": "vstep-writing-task1", "points": 10.0}, "en",
                                                            None)


def test_typed_answers_come_back_with_spaces_collapsed_as_levelpath_compares_them():
    item = ExportableItem("ws", "gap_fill", {"stem": "A {{g1}}", "gaps": [{"id": "g1"}]},
                          {"gaps": {"g1": {"accepted": ["Ha  Noi", " Hanoi\t"]}}})
    assert _round_trip(item).scoring["gaps"]["g1"]["accepted"] == ["Ha Noi", "Hanoi"]


def test_same_scores_before_and_after_the_round_trip():
    for item in ITEMS:
        if item.type not in {"multiple_response", "short_answer", "gap_fill", "matching", "ordering"}:
            continue
        result = _round_trip(item)
        kind = item_types.get(item.type)
        for answer in _answers(item):
            assert kind.score(result.content, result.scoring, answer) == kind.score(item.content, item.scoring, answer)


def _answers(item: ExportableItem) -> list[dict]:
    if item.type == "multiple_response":
        ids = [o["id"] for o in item.content["options"]]
        return [{"choices": ids[:n]} for n in range(len(ids) + 1)]
    if item.type == "short_answer":
        return [{"text": t} for t in ("ha noi", "Ha Noi", "Hang", "fish & <chips>", "toad", "x")]
    if item.type == "gap_fill":
        return [{"gaps": {"verb_1": "gone", "g2": "drives"}}, {"gaps": {"verb_1": "walks", "g2": "Drives"}}]
    if item.type == "matching":
        return [{"pairs": [["frog", "amph"], ["cat", "insect"]]}, {"pairs": [["frog", "amph"], ["newt", "amph"]]}]
    return [{"order": ["C", "A", "B"]}, {"order": ["A", "B", "C"]}]


TABLE_ITEM = ExportableItem(
    "ic-table", "inline_choice",
    {"stem": "{{g1}}, {{g2}} and {{g3}}.", "gaps": [{"id": gap, "options": ABC} for gap in ("g1", "g2", "g3")]},
    {"correct": {"g1": "A", "g2": "B", "g3": "C"}, "method": "table", "table": [0, 0, 1, 2], "points": 2.0})


def test_a_table_of_points_per_gaps_right_is_listed_not_written_as_a_cloze_question():
    """Moodle scores each gap of a cloze question on its own: written as one, with the table in the LevelPath record
    alone, the item scored 2 of 3 right as 4/3 points in Moodle where LevelPath gives 1."""
    data, skipped = write_moodle_xml_skipping([TABLE_ITEM])
    assert b"<question" not in data
    assert [entry.reason for entry in skipped] == [
        "cannot be written as Moodle XML: Moodle would give each right gap its share of the points, where LevelPath's "
        "table gives 0, 0, 1, 2 points for 0 to 3 gaps right"]


UNWRITABLE = [
    (ExportableItem("m1", "matching", {"stem": "M", "sources": [{"id": "S1", "text": "a"}, {"id": "S2", "text": "b"}],
                                       "targets": [{"id": "T1", "text": "x"}]}, {"pairs": [["S1", "T1"]]}),
     "cannot be written as Moodle XML: the source 'b' has no partner; Moodle pairs every question with an answer"),
    (ExportableItem("m2", "matching", {"stem": "M", "sources": [{"id": "S1", "text": "a"}],
                                       "targets": [{"id": "T1", "text": "<b>x</b>"}]}, {"pairs": [["S1", "T1"]]}),
     "cannot be written as Moodle XML: the target '<b>x</b>' has formatting; Moodle matching answers are plain text"),
    (ExportableItem("m3", "matching", {"stem": "M", "sources": [{"id": "S1", "text": "a"}],
                                       "targets": [{"id": "T1", "text": "x"}, {"id": "T2", "text": "x"}]},
                    {"pairs": [["S1", "T1"]]}),
     "cannot be written as Moodle XML: two targets have the same text; Moodle tells answers apart by their text"),
    (ExportableItem("ic", "inline_choice", {"stem": "{{g1}}", "gaps": [{"id": "g1", "options": [
        {"id": "A", "text": "<i>a</i>"}, {"id": "B", "text": "b"}]}]}, {"correct": {"g1": "A"}}),
     "cannot be written as Moodle XML: the option '<i>a</i>' has formatting; Moodle drop-downs are plain text"),
    (ExportableItem("ic2", "inline_choice", {"stem": "{{g1}}", "gaps": [{"id": "g1", "options": [
        {"id": "A", "text": "%50%x"}, {"id": "B", "text": "y"}]}]}, {"correct": {"g1": "B"}}),
     "cannot be written as Moodle XML: its content.gaps would change"),
    (ExportableItem("bad", "single_choice", {"stem": "Q", "options": ABC}, {"correct": "Z"}),
     "cannot be written as Moodle XML: it breaks LevelPath's rules for its type: scoring.correct: must be the id of "
     "one of the options"),
]


def test_all_or_nothing_with_two_right_choices_is_moodles_all_or_nothing_question_not_partial_credit():
    """It was a multichoice giving each right choice 50% (and -50% for a wrong one): Moodle scored one right choice
    50% where LevelPath gives 0, and only LevelPath's own record said otherwise. With one right choice multichoice
    says it (the others cost it all)."""
    data = write_moodle_xml([ITEMS[3], ITEMS[4]]).decode()
    aon, one = data.split('<question type="multichoice">')[0], data.split('<question type="multichoice">')[1]
    assert '<question type="multichoiceset">' in aon and "<single>" not in aon
    assert re.findall(r'fraction="([^"]+)"', aon) == ["100", "0", "100"]
    assert re.findall(r'fraction="([^"]+)"', one) == ["-100", "-100", "100"]
    without_record = re.sub(r"<levelpath>.*?</levelpath>", "", data).encode()
    aon_read, one_read = read_moodle_xml("moodle.xml", without_record)
    assert aon_read.scoring == {"correct": ["A", "C"]}  # LevelPath's default method: all or nothing
    assert one_read.scoring["correct"] == ["C"]


def test_items_moodle_cannot_carry_are_skipped_with_the_reason():
    items = [ITEMS[0], *(item for item, _ in UNWRITABLE)]
    data, skipped = write_moodle_xml_skipping(items)
    assert skipped == [Unsupported(source=i.identifier, identifier=i.identifier, type=i.type, reason=reason)
                       for i, reason in UNWRITABLE]
    assert [r.identifier for r in read_moodle_xml("x.xml", data)] == ["sc-1"]
    assert data.count(b'<question type="category">') == 1  # no empty category for the skipped items
    with pytest.raises(CannotWrite, match=r"^m1: cannot be written as Moodle XML: the source 'b' has no partner"):
        write_moodle_xml(items)
