"""Reading every Moodle XML sample, the question types around them, and hostile input.

Expectations are written from the sample files themselves (see tests/samples/SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
import random
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import SubElement, tostring

import pytest

from question_bank import item_types
from question_bank.interchange.model import ImportedItem, ReadError, ReadResult, Unsupported
from question_bank.interchange.moodle import read_moodle_xml
from question_bank.interchange.safety import parse_xml

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "moodle_xml"
TF = [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"}]
FEEDBACK = "feedback and hints are not carried: LevelPath items have no feedback texts"
NO_RUBRIC = "No grader information came with this question; write the rubric before the item is reviewed."
MIX = ("cloze mixes 4 choice (MULTICHOICE) and 1 typed (SHORTANSWER) sub-questions; LevelPath's gap_fill holds "
       "only typed gaps and inline_choice only choices, so split it into two items")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _tf(stem: str) -> dict[str, Any]:
    return {"type": "true_false_not_given", "content": {"stem": stem, "variant": "true_false", "options": TF},
            "scoring": {"correct": "TRUE"}}


def _options(*texts: str) -> list[dict[str, str]]:
    return [{"id": chr(ord("A") + i), "text": text} for i, text in enumerate(texts)]


EXPECTED: dict[str, list[dict[str, Any]]] = {
    "nested_categories_with_questions.xml": [
        {**_tf("<p>Testing Iota Question</p>"), "category": "$course$/Iota", "title": "Iota Question"},
        {"type": "essay", "content": {"stem": "Testing Kappa Essay Question"},
         "scoring": {"rubric": NO_RUBRIC}, "category": "$course$/Iota/Kappa",
         "title": "Kappa Essay Question"},
        {**_tf("<p>Testing Kappa Question</p>"), "category": "$course$/Iota/Kappa", "title": "Kappa Question"},
        {**_tf("<p>Testing Lambda Question</p>"), "category": "$course$/Iota/Kappa/Lambda", "title": "Lambda Question"},
        {**_tf("<p>Testing Mu Question</p>"), "category": "$course$/Iota/Mu", "title": "Mu Question"},
    ],
    "multianswer.xml": [{"unsupported": MIX}],
    "broken_cloze_questions.xml": [
        {"error": "broken Moodle cloze question: the text has no embedded sub-questions such as "
                  "{1:SHORTANSWER:=answer}"},
        {"error": "broken Moodle cloze question: sub-question 1 (MULTICHOICE) has no choices"},
        {"error": "broken Moodle cloze question: sub-question 1 (MULTICHOICE) has only one choice; a choice needs "
                  "at least 2"},
        {"error": "broken Moodle cloze question: sub-question 1 (MULTICHOICE) has no fully correct (100%) choice"},
        {"error": "broken Moodle cloze question: sub-question 1 (NUMERICAL) has a non-numeric answer 'zero'"},
    ],
    "sample_questions_with_old_image_tag.xml": [
        {"unsupported": MIX},
        {"type": "single_choice",
         "content": {"stem": 'This is a multichoice question with an image in the old "image" field that was used '
                             'in Moodle 1.9<p><img src="moodle.png" alt="" /></p>',
                     "options": _options("wrong answer", "another wrong answer", "right answer"), "shuffle": True},
         "scoring": {"correct": "C"}, "category": "$course$/Default for Test images in backup",
         "title": "mcq with image"},
    ],
    "qtype_essay/testquestion.moodle.xml": [
        {"type": "essay", "content": {"stem": "Write an essay with 500 words."},
         "scoring": {"rubric": NO_RUBRIC}, "category": "$course$/Default for C1", "title": "essay-001"},
    ],
    "qtype_gapselect/testquestion.moodle.xml": [
        {"type": "inline_choice",
         "content": {"stem": "The {{g1}} {{g2}} on the {{g3}}.",
                     "gaps": [{"id": g, "options": _options("cat", "sat", "mat", "dog", "table")}
                              for g in ("g1", "g2", "g3")]},
         "scoring": {"correct": {"g1": "A", "g2": "B", "g3": "C"}},
         "category": "$course$/Default for C1", "title": "Imported Select missing words 001"},
    ],
    "qtype_match/testquestion.moodle.xml": [
        {"type": "matching",
         "content": {"stem": "Classify the animals.",
                     "sources": [{"id": "S1", "text": "frog"}, {"id": "S2", "text": "cat"},
                                 {"id": "S3", "text": "newt"}],
                     "targets": [{"id": "T1", "text": "amphibian"}, {"id": "T2", "text": "mammal"},
                                 {"id": "T3", "text": "insect"}],
                     "shuffle": True},
         "scoring": {"pairs": [["S1", "T1"], ["S2", "T2"], ["S3", "T1"]], "method": "partial"},
         "category": "$course$/Test questions", "title": "matching-001"},
    ],
    "qtype_multichoice/testquestion.moodle.xml": [
        {"type": "multiple_response",
         "content": {"stem": "Find the capital cities in Europe.",
                     "options": _options("Tokyo", "Spain", "London", "Barcelona", "Paris"), "shuffle": True},
         "scoring": {"correct": ["C", "E"], "method": "partial"},
         "category": "$course$/Default for C1", "title": "Multi-choice-001"},
    ],
    "qtype_ordering/testquestion.moodle.xml": [
        {"type": "ordering",
         "content": {"stem": "Put these words in order.",
                     "options": _options("Modular", "Object", "Oriented", "Dynamic", "Learning", "Environment"),
                     "shuffle": True},
         "scoring": {"order": ["A", "B", "C", "D", "E", "F"], "method": "partial"},
         "category": "$course$/Test questions", "title": "dd-ordering 1", "identifier": "dd1"},
    ],
    "qtype_shortanswer/testquestion.moodle.xml": [
        {"type": "short_answer", "content": {"stem": "Name an amphibian: __________"},
         "scoring": {"accepted": [{"text": "frog"}, {"text": "toad", "fraction": 0.8}]},
         "category": "$course$/Test questions", "title": "shortanswer-001"},
    ],
    "qtype_truefalse/testquestion.moodle.xml": [
        {**_tf("The answer is true."), "category": "$course$/Test questions", "title": "true-false-001"},
    ],
}


def _read(name: str) -> list[ReadResult]:
    return read_moodle_xml(f"moodle_xml/{name}", (SAMPLES / name).read_bytes())


def _summary(result: ReadResult) -> dict[str, Any]:
    if isinstance(result, Unsupported):
        return {"unsupported": result.reason}
    if isinstance(result, ReadError):
        return {"error": result.reason}
    summary = {"type": result.type, "content": result.content, "scoring": result.scoring,
               "category": result.category, "title": result.title}
    return {**summary, "identifier": result.identifier} if result.identifier else summary


def _quiz(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>{body}</quiz>'.encode()


def _question(qtype: str, inner: str, text: str = "Question text", name: str = "q") -> str:
    return (f'<question type="{qtype}"><name><text>{name}</text></name>'
            f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>{inner}</question>')


def _one(body: str) -> ReadResult:
    results = read_moodle_xml("test.xml", _quiz(body))
    assert len(results) == 1
    return results[0]


def test_every_moodle_sample_file_has_expectations():
    on_disk = {path.relative_to(SAMPLES).as_posix() for path in SAMPLES.rglob("*") if path.is_file()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_moodle_sample_reads_as_expected(name):
    results = _read(name)
    assert [_summary(r) for r in results] == EXPECTED[name]
    for number, result in enumerate(results, start=1):
        assert result.source.startswith(f"moodle_xml/{name}#question {number} ")
        assert not getattr(result, "refused", False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_items_read_from_moodle_samples_obey_their_type_rules(name):
    for result in _read(name):
        if isinstance(result, ImportedItem):
            item_types.get(result.type).validate(result.content, result.scoring)


def test_what_the_samples_cannot_carry_is_noted():
    multichoice = _read("qtype_multichoice/testquestion.moodle.xml")[0]
    assert multichoice.notes == (
        "wrong answers carry no penalty in Moodle, so choosing every option scores there; in LevelPath each wrong "
        "choice cancels one right one", FEEDBACK)
    essay = _read("qtype_essay/testquestion.moodle.xml")[0]
    assert "no grader information came with the question: its rubric says so and must be written before review" \
        in essay.notes
    matching = _read("qtype_match/testquestion.moodle.xml")[0]
    assert any("without subtracting wrong pairs" in note for note in matching.notes)
    truefalse = _read("nested_categories_with_questions.xml")[0]
    assert truefalse.notes == ()  # every feedback text there is empty


def test_legacy_image_base64_becomes_a_checked_png_shown_under_the_stem():
    mcq = _read("sample_questions_with_old_image_tag.xml")[1]
    assert [(m.name, m.mime_type) for m in mcq.media] == [("moodle.png", "image/png")]
    source = (SAMPLES / "sample_questions_with_old_image_tag.xml").read_text()
    encoded = re.findall(r"<image_base64>\s*(\S+)\s*</image_base64>", source)[1]
    assert mcq.media[0].data == base64.b64decode(encoded)
    assert mcq.media[0].data.startswith(PNG_MAGIC)


def _multianswer_text() -> tuple[bytes, str]:
    data = (SAMPLES / "multianswer.xml").read_bytes()
    shortanswer = re.search(rb"The capital of France is \{1:SHORTANSWER:.*?\}\.", data, re.DOTALL)
    assert shortanswer is not None
    return data, shortanswer.group(0).decode()


def test_the_multichoice_part_of_the_cloze_sample_reads_as_inline_choice_with_its_pictures():
    data, shortanswer = _multianswer_text()
    [item] = read_moodle_xml("multianswer.xml", data.replace(shortanswer.encode(), b""))
    assert item.type == "inline_choice"
    assert item.content["stem"] == (
        "<p>Match the following cities with the correct state,</p>\n"
        '<p>California <img src="california-state-flag.png" alt="California flag" width="50" height="50" /> or '
        'Arizona <img src="arizona_2.png" alt="Arizona flag" width="50" height="50" /><br />* San Francisco: {{g1}}'
        "<br />* Tucson: {{g2}}<br />* Los Angeles: {{g3}}<br />* Phoenix: {{g4}}<br /></p>")
    assert [gap["options"] for gap in item.content["gaps"]] == [_options("California", "Arizona")] * 4
    assert item.scoring == {"correct": {"g1": "A", "g2": "B", "g3": "A", "g4": "B"}, "points": 4.0}
    assert sorted((m.name, m.mime_type) for m in item.media) == [("arizona_2.png", "image/png"),
                                                                 ("california-state-flag.png", "image/png")]
    embedded = dict(re.findall(rb'<file name="([^"]+)" encoding="base64">([^<]+)</file>', data))
    assert all(m.data == base64.b64decode(embedded[m.name.encode()]) for m in item.media)
    assert all(m.data.startswith(PNG_MAGIC) for m in item.media)


def test_the_shortanswer_part_of_the_cloze_sample_reads_as_gap_fill_noting_the_half_mark():
    data, _ = _multianswer_text()
    body = re.search(rb"\* San Francisco.*?\{1:MULTICHOICE:%0%California#Wrong~=Arizona#OK\}<br />", data, re.DOTALL)
    assert body is not None
    [item] = read_moodle_xml("multianswer.xml", data.replace(body.group(0), b""))
    assert item.type == "gap_fill"
    assert item.content["gaps"] == [{"id": "g1"}]
    assert item.content["stem"].endswith("<br />The capital of France is {{g1}}.</p>")
    assert item.scoring == {"gaps": {"g1": {"accepted": ["Paris"]}}}
    assert "partial credit for 'Marseille' (50%) in cloze sub-question 1 (SHORTANSWER) is not kept: LevelPath has " \
           "one right answer there" in item.notes


# --- question types and features beyond the samples

def test_tags_idnumber_name_and_levelpath_tags():
    item = _one(_question("truefalse", '<idnumber>tf-7</idnumber><answer fraction="0"><text>true</text></answer>'
                                       '<answer fraction="100"><text>false</text></answer>'
                                       "<tags><tag><text>grammar-b1</text></tag><tag><text>lp-skill:grammar</text>"
                                       "</tag><tag><text>lp-level:4</text></tag><tag><text>lp-skill:cooking</text>"
                                       "</tag></tags>", name="Tense check"))
    assert isinstance(item, ImportedItem)
    assert (item.identifier, item.title, item.skill, item.level) == ("tf-7", "Tense check", "grammar", 4)
    assert item.tags == ("grammar-b1", "lp-skill:cooking")
    assert item.scoring["correct"] == "FALSE"
    assert any("lp-skill:cooking" in note for note in item.notes)


def test_a_truefalse_question_with_both_answers_right_is_an_error_line_not_a_guess():
    """Both at 100% (every answer right in Moodle) was keyed FALSE, silently: the last 100% answer won."""
    result = _one(_question("truefalse", '<answer fraction="100"><text>true</text></answer>'
                                         '<answer fraction="100"><text>false</text></answer>'))
    assert result == ReadError(source='test.xml#question 1 "q"', reason="broken Moodle truefalse question: both "
                                                                        "true and false are marked 100%, so every "
                                                                        "answer would be right")


@pytest.mark.parametrize(("text_format", "text", "stem"), [
    ("plain_text", "Fish & chips <b>\n\nSecond line", "<p>Fish &amp; chips &lt;b&gt;</p><p>Second line</p>"),
    ("moodle_auto_format", "Line one\nline <em>two</em>", "Line one<br />line <em>two</em>"),
    ("markdown", "Read **this** and *that*:\n\n- one\n- two", "<p>Read <strong>this</strong> and <em>that</em>:</p>"
                                                              "<ul><li>one</li><li>two</li></ul>"),
    ("html", '<p onclick="x()">Hi<script>alert(1)</script></p>', "<p>Hi</p>"),
])
def test_text_formats_become_sanitised_html(text_format, text, stem):
    item = _one(f'<question type="essay"><name><text>e</text></name><questiontext format="{text_format}">'
                f"<text><![CDATA[{text}]]></text></questiontext></question>")
    assert item.content["stem"] == stem


def test_gapselect_groups_limit_each_gap_to_its_own_choices():
    options = "".join(f"<selectoption><text>{text}</text><group>{group}</group></selectoption>"
                      for text, group in (("cat", 1), ("runs", 2), ("dog", 1), ("sleeps", 2)))
    item = _one(_question("gapselect", f"<shuffleanswers>1</shuffleanswers>{options}",
                          text="The [[3]] [[2]] and the [[1]] [[4]]."))
    assert item.content["gaps"] == [{"id": "g1", "options": _options("cat", "dog")},
                                    {"id": "g2", "options": _options("runs", "sleeps")},
                                    {"id": "g3", "options": _options("cat", "dog")},
                                    {"id": "g4", "options": _options("runs", "sleeps")}]
    assert item.scoring["correct"] == {"g1": "B", "g2": "A", "g3": "A", "g4": "B"}
    assert "Moodle shuffles the choices; LevelPath shows them in the order given" in item.notes


def test_gapselect_gap_without_a_choice_is_a_read_error():
    result = _one(_question("gapselect", "<selectoption><text>a</text><group>1</group></selectoption>",
                            text="x [[2]]"))
    assert result == ReadError(source='test.xml#question 1 "q"', reason="broken Moodle gapselect question: the gap "
                                                                        "[[2]] refers to no choice (there are 1)")


def test_cloze_with_case_sensitive_answers_and_unequal_weights():
    item = _one(_question("cloze", "", text="I {2:SAC:=London~%50%london} and {1:MW:=Paris~=paris*}."))
    assert item.type == "gap_fill"
    assert item.scoring == {"gaps": {"g1": {"accepted": ["London"], "case_sensitive": True},
                                     "g2": {"accepted": ["Paris", "paris*"]}}, "points": 3.0}
    assert "the gap weights (2, 1) are not kept: LevelPath weighs gaps equally" in item.notes


@pytest.mark.parametrize(("text", "reason"), [
    ("{1:NUMERICAL:=3:0.1}", "cloze sub-question 1 (NUMERICAL) is numerical: LevelPath has no numeric-tolerance type"),
    ("{1:MULTIRESPONSE:~%50%a~%50%b~c}", "cloze sub-question 1 (MULTIRESPONSE) takes several answers in one gap; a "
                                         "LevelPath gap takes one"),
    ("{1:MC:=a~=b~c}", "cloze sub-question 1 (MC) has 2 fully correct choices; a LevelPath gap has one"),
])
def test_cloze_parts_levelpath_cannot_carry_are_unsupported(text, reason):
    result = _one(_question("cloze", "", text=f"Pick {text}"))
    assert isinstance(result, Unsupported)
    assert (result.type, result.reason) == ("cloze", reason)


def test_cloze_radio_buttons_and_shuffling_are_noted():
    item = _one(_question("cloze", "", text="A {1:MCVS:=x~y} b"))
    assert item.type == "inline_choice"
    assert {"sub-question 1 (MCVS) shows radio buttons in Moodle; LevelPath shows a drop-down",
            "sub-question 1 (MCVS) shuffles its choices in Moodle; LevelPath shows them in the order given"} \
        <= set(item.notes)


def test_cloze_escapes_and_unclosed_markers():
    item = _one(_question("cloze", "", text=r"Say {1:SA:=a\}b\#c\~d} now"))
    assert item.scoring["gaps"]["g1"]["accepted"] == ["a}b#c~d"]
    broken = _one(_question("cloze", "", text="Say {1:SA:=never closed"))
    assert broken.reason == "broken Moodle cloze question: sub-question 1 (SA) is never closed with '}'"


@pytest.mark.parametrize(("qtype", "reason"), [
    ("numerical", "Moodle qtype 'numerical': LevelPath has no numeric-tolerance type"),
    ("calculated", "Moodle qtype 'calculated': LevelPath has no calculated (formula) type"),
    ("calculatedsimple", "Moodle qtype 'calculatedsimple': LevelPath has no calculated (formula) type"),
    ("calculatedmulti", "Moodle qtype 'calculatedmulti': LevelPath has no calculated (formula) type"),
    ("description", "Moodle qtype 'description': a text with no question to answer"),
    ("random", "Moodle qtype 'random': it draws a question from a category when a quiz starts and holds no "
               "question itself"),
    ("ddwtos", "Moodle qtype 'ddwtos': LevelPath has no drag-and-drop type (drag words into a text)"),
    ("ddimageortext", "Moodle qtype 'ddimageortext': LevelPath has no drag-and-drop-onto-an-image type"),
    ("ddmarker", "Moodle qtype 'ddmarker': LevelPath has no drop-markers-on-an-image type"),
    ("coderunner", "Moodle qtype 'coderunner': not a question type LevelPath reads"),
])
def test_moodle_types_levelpath_cannot_carry_are_unsupported_with_the_reason(qtype, reason):
    result = _one(_question(qtype, "<idnumber>x1</idnumber>"))
    assert result == Unsupported(source='test.xml#question 1 "q"', identifier="x1", type=qtype, reason=reason)


def test_single_choice_partial_and_negative_marks_are_noted_and_two_keys_refused():
    answers = ('<answer fraction="100"><text>a</text></answer><answer fraction="50"><text>b</text></answer>'
               '<answer fraction="-25"><text>c</text></answer>')
    item = _one(_question("multichoice", f"<single>true</single>{answers}"))
    assert item.scoring == {"correct": "A"}
    assert {"partial credit for 'b' (50%) is not kept: LevelPath has one right answer there",
            "negative marks for wrong answers are not kept"} <= set(item.notes)
    two = _one(_question("multichoice", '<single>1</single><answer fraction="100"><text>a</text></answer>'
                                        '<answer fraction="100"><text>b</text></answer>'))
    assert two.reason == "2 answers are fully correct; a LevelPath single-choice item has exactly one key"
    none = _one(_question("multichoice", '<answer fraction="0"><text>a</text></answer>'))
    assert none.reason == "broken Moodle multichoice question: no answer is fully correct (100%)"


def test_multiple_response_with_negative_and_unequal_fractions():
    answers = "".join(f'<answer fraction="{f}"><text>{t}</text></answer>'
                      for t, f in (("a", 70), ("b", 30), ("c", -50), ("d", -100)))
    item = _one(_question("multichoice", f"<single>false</single>{answers}"))
    assert item.scoring == {"correct": ["A", "B"], "method": "partial"}
    assert item.notes == ("the right answers' unequal fractions (70%, 30%) become equal shares in LevelPath",
                          "the wrong answers' fractions (-50%, -100%) become LevelPath's rule: each wrong choice "
                          "cancels one right one")


def test_multichoiceset_is_all_or_nothing_multiple_response():
    answers = "".join(f'<answer fraction="{f}"><text>{t}</text></answer>' for t, f in (("a", 100), ("b", 0),
                                                                                      ("c", 100)))
    item = _one(_question("multichoiceset", answers))
    assert (item.type, item.scoring) == ("multiple_response", {"correct": ["A", "C"]})


def test_shortanswer_first_match_usecase_and_literal_asterisk():
    answers = "".join(f'<answer fraction="{f}"><text>{t}</text></answer>'
                      for t, f in (("col*", 50), ("Colour", 100), (r"a\*b", 100)))
    item = _one(_question("shortanswer", f"<usecase>1</usecase>{answers}"))
    assert item.scoring == {"accepted": [{"text": "col*", "fraction": 0.5}, {"text": "Colour"}, {"text": "a*b"}],
                            "case_sensitive": True}
    assert item.notes == ("a literal asterisk (\\*) cannot be expressed in LevelPath; it is read as a wildcard",)
    shadowed = _one(_question("shortanswer", '<answer fraction="50"><text>col*</text></answer>'
                                             '<answer fraction="100"><text>colour</text></answer>'))
    assert shadowed.notes == ("Moodle scores 'colour' by the earlier answer 'col*' (50%); LevelPath gives it its own "
                              "100%",)


def test_truefalse_old_style_answers_are_taken_in_order():
    item = _one(_question("truefalse", '<answer fraction="0"><text>Vrai</text></answer>'
                                       '<answer fraction="100"><text>Faux</text></answer>'))
    assert item.scoring["correct"] == "FALSE"
    assert "answers not named true/false were taken in Moodle's old order: true, then false" in item.notes


def test_ordering_grading_and_subsets():
    answers = "".join(f'<answer fraction="{i}"><text>{t}</text></answer>' for i, t in ((2, "b"), (1, "a"), (3, "c")))
    item = _one(_question("ordering", f"<gradingtype>ALL_OR_NOTHING</gradingtype>{answers}"))
    assert item.content["options"] == _options("b", "a", "c")
    assert item.scoring == {"order": ["B", "A", "C"]}
    relative = _one(_question("ordering", f"<gradingtype>RELATIVE_NEXT_EXCLUDE_LAST</gradingtype>{answers}"))
    assert relative.scoring["method"] == "partial"
    assert any("RELATIVE_NEXT_EXCLUDE_LAST" in note for note in relative.notes)
    subset = _one(_question("ordering", f"<selecttype>RANDOM</selecttype><selectcount>2</selectcount>{answers}"))
    assert subset.reason == "Moodle ordering shows 2 of its 3 items (selecttype RANDOM); LevelPath orders every option"


def test_essay_word_limits_rubric_attachments_and_file_only_answers():
    item = _one(_question("essay", '<responseformat>plain</responseformat><minwordlimit>120</minwordlimit>'
                                   '<maxwordlimit>180</maxwordlimit><attachments>1</attachments>'
                                   '<graderinfo format="html"><text>Task achievement 0-5</text></graderinfo>'
                                   '<responsetemplate format="html"><text>Dear ...</text></responsetemplate>'))
    assert item.content == {"stem": "Question text", "min_words": 120, "max_words": 180}
    assert item.scoring == {"rubric": "Task achievement 0-5"}
    assert {"file attachments are not carried: a LevelPath writing task takes typed text",
            "the response template is not carried"} <= set(item.notes)
    upload = _one(_question("essay", "<responseformat>noinline</responseformat><attachments>1</attachments>"))
    assert isinstance(upload, Unsupported)
    assert upload.reason.startswith("Moodle essay with responseformat 'noinline' takes file uploads only")


def test_a_question_that_breaks_levelpath_rules_is_a_read_error_naming_them():
    result = _one(_question("multichoice", '<defaultgrade>0</defaultgrade><answer fraction="100"><text>only</text>'
                                           "</answer>"))
    assert isinstance(result, ReadError)
    assert result.reason == ("does not make a valid LevelPath single-choice item: scoring.points: points must be a "
                             "number above 0 and at most 100; content.options: between 2 and 26 entries are required; "
                             "scoring.correct: must be the id of one of the options")


def test_missing_plugin_files_and_non_numbers_are_reported():
    item = _one(_question("essay", "", text='<p><img src="@@PLUGINFILE@@/gone%20away.png" /></p>'))
    assert item.notes[0] == "refers to the file 'gone away.png', which the Moodle file does not contain"
    assert item.content["stem"] == '<p><img src="gone away.png" /></p>'
    bad = _one(_question("truefalse", '<answer fraction="lots"><text>true</text></answer>'))
    assert bad.reason == "broken Moodle truefalse question: fraction 'lots' is not a number"


def test_not_a_quiz_and_malformed_xml_are_read_errors():
    assert read_moodle_xml("a.xml", b"<questions/>") == [
        ReadError(source="a.xml", reason="not a Moodle XML file: the root element is <questions>, not <quiz>")]
    [error] = read_moodle_xml("b.xml", b"<quiz><question type='essay'>")
    assert error.reason.startswith("b.xml: malformed XML") and not error.refused


# --- hostile input

HOSTILE = {
    "external entity (XXE)": b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                             b"<quiz><question type='essay'><name><text>&x;</text></name></question></quiz>",
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;">'
                      b'<!ENTITY c "&b;&b;&b;&b;&b;">]><quiz>&c;</quiz>',
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd"><quiz/>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused(name):
    [error] = read_moodle_xml("evil.xml", HOSTILE[name])
    assert error == ReadError(source="evil.xml", reason="evil.xml: refused XML with a DTD or entity declarations "
                                                        "(DTDForbidden)", refused=True)


def _with_file(name: str, data: bytes) -> bytes:
    encoded = base64.b64encode(data).decode()
    return _quiz(_question("essay", "", text=f'<img src="@@PLUGINFILE@@/{name}" />').replace(
        "</text></questiontext>", f'</text><file name="{name}" path="/" encoding="base64">{encoded}</file>'
                                  "</questiontext>"))


def test_oversized_embedded_media_is_refused():
    [error] = read_moodle_xml("big.xml", _with_file("big.png", PNG_MAGIC + bytes(5 * 1024 * 1024)))
    assert error == ReadError(source='big.xml#question 1 "q"', refused=True,
                              reason="embedded file 'big.png' (image/png) has 5,242,888 bytes; at most 5,242,880 "
                                     "(5 MiB) are accepted")


@pytest.mark.parametrize(("name", "data", "found"), [
    ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "not an image or audio file"),
    ("song.mp3", PNG_MAGIC + bytes(16), "image/png"),
    ("clip.webm", b"MZ\x90\x00 an executable", "not an image or audio file"),
])
def test_media_disguised_by_its_extension_is_refused(name, data, found):
    [error] = read_moodle_xml("evil.xml", _with_file(name, data))
    assert error.refused
    assert error.reason.startswith(f"embedded file {name!r} is named as ")
    assert error.reason.endswith(f"but its content is {found}")


def test_legacy_image_is_checked_like_any_embedded_file():
    svg = base64.b64encode(b"<svg onload='x()'/>").decode()
    body = _question("essay", f"<image>logo.gif</image><image_base64>{svg}</image_base64>")
    [error] = read_moodle_xml("old.xml", _quiz(body))
    assert error.refused
    assert error.reason == ("embedded file 'logo.gif' is named as image/gif but its content is not an image or audio "
                            "file")


def test_other_file_types_make_the_question_unsupported_and_bad_base64_an_error():
    [pdf] = read_moodle_xml("doc.xml", _with_file("notes.pdf", b"%PDF-1.7 ..."))
    assert isinstance(pdf, Unsupported)
    assert pdf.reason == ("embedded file 'notes.pdf' is of a type LevelPath does not accept; LevelPath takes png, "
                          "jpeg, gif, ogg, mp3, wav and webm media")
    broken = _with_file("x.png", b"").replace(b'encoding="base64"></file>', b'encoding="base64">@@not base64</file>')
    [error] = read_moodle_xml("doc.xml", broken)
    assert error == ReadError(source='doc.xml#question 1 "q"', reason="embedded file 'x.png' is not valid base64")


def test_odd_input_never_crashes_the_reader():
    """Sample questions with texts, attributes and elements scrambled: every one still gets a result."""
    rng = random.Random(20240531)
    roots = [parse_xml(path.read_bytes(), source=path.name) for path in sorted(SAMPLES.rglob("*.xml"))]
    snippets = ["", "{1:MC:=a~b}", "{1:SA:}", "{2:MULTICHOICE:%50%x~=y}", "{1:NM:=3}", "[[1]]", "[[0]]", "nan",
                "1e400", "-5", "true", "@@PLUGINFILE@@/a.png", "<b>", "{1:MCV:=a~=b}", "ALL", "RANDOM", "noinline"]
    for _ in range(300):
        root = copy.deepcopy(rng.choice(roots))
        elements = list(root.iter())
        for _ in range(rng.randint(1, 5)):
            element = rng.choice(elements)
            roll = rng.random()
            if roll < 0.5:
                element.text = rng.choice(snippets)
            elif roll < 0.7 and element.attrib:
                element.set(rng.choice(list(element.attrib)), rng.choice(snippets))
            elif roll < 0.9:
                SubElement(element, rng.choice(["answer", "text", "file", "subquestion", "selectoption", "levelpath"])
                           ).text = rng.choice(snippets)
            else:
                element.set("type", rng.choice(["multichoice", "cloze", "gapselect", "matching", "ordering", "essay"]))
        results = read_moodle_xml("fuzz.xml", tostring(root))
        assert all(isinstance(r, ImportedItem | Unsupported | ReadError) for r in results)
        assert len(results) == len(root.findall("question")) - sum(
            q.get("type") == "category" for q in root.findall("question"))
