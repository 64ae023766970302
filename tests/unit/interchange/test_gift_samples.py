"""Reading every GIFT sample and the parts of the GIFT grammar the samples leave out.

Expectations are written from the sample files themselves (see tests/samples/SOURCES.md): for each
question, the line it starts on and what it becomes, summarised as type, stem and key.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from question_bank import item_types
from question_bank.interchange.gift import read_gift
from question_bank.interchange.model import ImportedItem, ReadError, ReadResult, Unsupported
from question_bank.markup import plain_text

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "gift"
NUMERICAL = ("unsupported", "GIFT numerical question {#...}: LevelPath has no numeric-tolerance type")
GRANT = "Who's buried in Grant's tomb?"
GRANT_MC = ("single_choice", GRANT, ["Grant", "Jefferson", "no one"], "no one")
GRANT_GAP = ("inline_choice", "Grant is {{g1}} in Grant's tomb.", ["buried", "entombed", "living"], "entombed")
GRANT_TF = ("true_false", "Grant is buried in Grant's tomb.", "FALSE")
GRANT_SA = ("short_answer", GRANT, [("no one", 1.0), ("nobody", 1.0)])
ACTIVITIES = [("An activity supporting asynchronous discussions.", "Forum"),
              ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
              ("A bank of record entries which participants can add to.", "Database"),
              ("A collection of web pages that anyone can add to or edit.", "Wiki")]
FEEDBACK = "feedback is not carried: LevelPath items have no feedback texts"

# (line the question starts on, summary) for every question of every file.
EXPECTED: dict[str, list[tuple[int, tuple[Any, ...]]]] = {
    "escapeAll.gift": [
        (1, ("single_choice", "Which of the following is NOT a control character for the GIFT import format?",
             ["~", "=", "#", "{", "}", ":", "\\"], "\\")),
    ],
    "examples.txt": [
        (8, GRANT_MC), (10, GRANT_GAP), (12, GRANT_TF), (14, GRANT_SA), (16, NUMERICAL),
        (25, GRANT_MC), (27, GRANT_GAP),
        (29, ("inline_choice", "The American holiday of Thanksgiving is celebrated on the {{g1}} Thursday of November.",
              ["second", "third", "fourth"], "fourth")),
        (35, ("single_choice", "Japanese characters originally came from what country?",
              ["India", "China", "Korea", "Egypt"], "China")),
        (43, GRANT_SA),
        (45, ("gap_fill", "Two plus two equals {{g1}}.", ["four", "4"])),
        (49, GRANT_TF),
        (51, ("true_false", "The sun rises in the east.", "TRUE")),
        (55, ("matching", "Matching Question.", [("subquestion1", "subanswer1"), ("subquestion2", "subanswer2"),
                                                 ("subquestion3", "subanswer3")], [])),
        (61, ("matching", "Match the following countries with their corresponding capitals.",
              [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("India", "New Delhi")], [])),
        (70, NUMERICAL), (72, NUMERICAL), (74, NUMERICAL), (76, NUMERICAL), (85, NUMERICAL),
        (90, ("short_answer", "Japanese characters originally<br />came from what country?", [("China", 1.0)])),
        (93, ("inline_choice", "The American holiday of Thanksgiving is<br />celebrated on the {{g1}} Thursday of "
                               "November.", ["second", "third", "fourth"], "fourth")),
        (98, ("single_choice", "What's the answer to this multiple-choice question?",
              ["wrong answer", "another wrong answer", "right answer"], "right answer")),
        (103, GRANT_SA),
        (108, ("short_answer", "Who's buried in <strong>Grant's tomb</strong>?", [("no one", 1.0), ("nobody", 1.0)])),
        (113, GRANT_TF),
        (115, ("single_choice", "Difficult question.", ["wrong answer", "half credit answer", "full credit answer"],
               "full credit answer")),
        (117, ("inline_choice", "Jesus Christ was from {{g1}}.", ["Jerusalem", "Bethlehem", "Galilee", "Nazareth"],
               "Nazareth")),
        (123, ("short_answer", "Jesus Christ was from", [("Nazareth", 1.0), ("Nazereth", 0.75), ("Bethlehem", 0.25)])),
        (130, ("multiple_response", "What two people are entombed in Grant's tomb?",
               ["No one", "Grant", "Grant's wife", "Grant's father"], ["Grant", "Grant's wife"], "partial")),
        (136, ("multiple_response", "What two people are entombed in Grant's tomb?",
               ["No one", "Grant", "Grant's wife", "Grant's father"], ["Grant", "Grant's wife"], "partial")),
        (143, ("single_choice", "Which answer equals 5?", ["= 2 + 2", "= 2 + 3", "= 2 + 4"], "= 2 + 3")),
        (148, ("single_choice", "Which of the following is NOT a control character for the GIFT import format?",
               ["~", "=", "#", "{", "}", "\\"], "\\")),
        (167, GRANT_MC), (169, GRANT_GAP), (171, GRANT_TF), (173, GRANT_SA), (175, NUMERICAL),
        (177, ("matching", "Match the following countries with their corresponding<br />capitals.",
               [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo")], [])),
        (184, GRANT_GAP),
        (190, ("single_choice", "Difficult multiple choice question.",
               ["wrong answer", "half credit answer", "full credit answer"], "full credit answer")),
        (195, ("gap_fill", "Jesus Christ was from {{g1}}.", ["Nazareth"])),
        (202, NUMERICAL),
    ],
    "multiLineFeedback1.gift": [
        (3, ("single_choice", "What's the answer to this multiple-choice question?",
             ["wrong answer", "another wrong answer", "right answer"], "right answer")),
        (11, ("single_choice",
              "CU4-1 demarrerAbonnement(duree :Integer) : Comment réalise t’on la post-condition : une instance "
              "d’abonnement à été créé ? Qui crée l’abonnement ? Qui contient, agrège, aux données pour initialiser, "
              "enregistre ou utilise étroitement l’abonnement. Regarder les associations dans les MDD. Les choix "
              "possibles sont :",
              ["Client", "ConditionAbonnement", "Paiement", "Emprunt", "ContrôleurAbonnement", "CléAccess"],
              "ContrôleurAbonnement")),
    ],
    "numerical1.gift": [(line, NUMERICAL) for line in (3, 5, 7, 9, 11, 13, 15, 17, 19, 23)],
    "questions.gift.txt": [
        (2, ("essay", "How are you?")),
        (5, ("matching", "Match the <b>activity</b> to the description.", ACTIVITIES, ["Chat"])),
        (14, ("single_choice", "What's between orange and green in the spectrum?", ["yellow", "red", "blue"],
              "yellow")),
        (22, ("multiple_response", "What's between orange and green in the spectrum?",
              ["yellow", "red", "off-beige", "blue"], ["yellow", "off-beige"], "partial")),
        (31, NUMERICAL),
        (34, ("short_answer", "Which is the best animal?", [("Frog", 1.0), ("Cat", 0.5)])),
        (41, ("true_false", "42 is the Absolute Answer to everything.", "FALSE")),
        (46, ("true_false", "TSL is blablabla.", "TRUE")),
        (49, ("true_false", "TSL is blablabla.", "TRUE")),
    ],
    "questions_in_category.gift.txt": [
        (5, ("matching", "Match the activity to the description.", ACTIVITIES, ["Chat"])),
        (14, ("single_choice", '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3" rel="noopener '
                               'noreferrer">Listen to this greeting:</a><br /><br />What language is being spoken?',
              ["English", "French", "German", "Spanish"], "French")),
        (22, ("short_answer", "Anyone who uses Moodle is a ...", [("Moodler", 1.0)])),
        (27, ("true_false", "Moodle is an acronym for <span>Modular Object-Oriented Dynamic Learning "
                            "Environment</span>.", "TRUE")),
    ],
    "shortFirstEmbedded.gift": [
        (1, ("gap_fill", "{{g1}} is the largest continent in the world.", ["Asia"])),
        (3, ("gap_fill", "{{g1}} is the largest continent in the world.", ["Asia"])),
    ],
    "tag_id_and_two_tags.gift": [(3, ("essay", "Essay?"))],
}
# Files whose HTML is long: their stems and options are compared as plain text.
PLAIN = {"multiLineFeedback1.gift"}


def _read(name: str) -> list[ReadResult]:
    return read_gift(name, (SAMPLES / name).read_text(encoding="utf-8"))


def _summary(result: ReadResult, plain: bool = False) -> tuple[Any, ...]:
    if isinstance(result, Unsupported):
        return ("unsupported", result.reason)
    if isinstance(result, ReadError):
        return ("error", result.reason)
    content, scoring = result.content, result.scoring
    show = plain_text if plain else str

    def texts(entries: list[dict[str, str]]) -> dict[str, str]:
        return {entry["id"]: show(entry["text"]) for entry in entries}

    stem = show(content["stem"])
    if result.type == "single_choice":
        options = texts(content["options"])
        return (result.type, stem, list(options.values()), options[scoring["correct"]])
    if result.type == "multiple_response":
        options = texts(content["options"])
        return (result.type, stem, list(options.values()), [options[i] for i in scoring["correct"]], scoring["method"])
    if result.type == "true_false_not_given":
        assert content["variant"] == "true_false"
        return ("true_false", stem, scoring["correct"])
    if result.type == "short_answer":
        assert "case_sensitive" not in scoring  # GIFT short answers ignore case, LevelPath's default
        return (result.type, stem, [(a["text"], a.get("fraction", 1.0)) for a in scoring["accepted"]])
    if result.type == "gap_fill":
        assert content["gaps"] == [{"id": "g1"}]
        return (result.type, stem, scoring["gaps"]["g1"]["accepted"])
    if result.type == "inline_choice":
        [gap] = content["gaps"]
        options = texts(gap["options"])
        return (result.type, stem, list(options.values()), options[scoring["correct"]["g1"]])
    if result.type == "matching":
        sources, targets = texts(content["sources"]), texts(content["targets"])
        used = {target for _, target in scoring["pairs"]}
        return (result.type, stem, [(sources[s], targets[t]) for s, t in scoring["pairs"]],
                [text for target_id, text in targets.items() if target_id not in used])
    return (result.type, stem)


def test_every_gift_sample_file_has_expectations():
    assert {path.name for path in SAMPLES.iterdir() if path.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gift_sample_reads_as_expected(name):
    results = _read(name)
    lines = [int(r.source.split("#line ")[1].split(" ")[0]) for r in results]
    assert list(zip(lines, [_summary(r, name in PLAIN) for r in results], strict=True)) == EXPECTED[name]
    assert all(r.source.startswith(f"{name}#line ") for r in results)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_items_read_from_gift_samples_obey_their_type_rules(name):
    for result in _read(name):
        if isinstance(result, ImportedItem):
            item_types.get(result.type).validate(result.content, result.scoring)
            assert "points" not in result.scoring  # GIFT has no marks: LevelPath's default 1 point


def test_titles_categories_ids_and_tags():
    in_category = _read("questions_in_category.gift.txt")
    assert {r.category for r in in_category} == {"$course$/Default for New Features"}
    assert [r.title for r in in_category] == ["Moodle activities", "Greeting", "Moodle user", "Moodle acronym"]
    [essay] = _read("tag_id_and_two_tags.gift")
    assert (essay.identifier, essay.tags, essay.title, essay.category) == ("393", ("fred", "barney-wilma"), "", None)
    assert _read("examples.txt")[-2].title == "Jesus' hometown (Short answer ex.)"
    assert _read("multiLineFeedback1.gift")[1].title == "06- création d'instance"


def test_html_from_word_is_sanitised_but_keeps_its_structure():
    item = _read("multiLineFeedback1.gift")[1]
    assert item.content["stem"].startswith('<p></p><p><span lang="FR">')
    assert "style" not in item.content["stem"]
    assert item.content["options"][0]["text"] == '<p><span lang="FR">Client</span><br /></p>'


def test_classes_that_mark_the_right_choice_are_dropped():
    item = _read("multiLineFeedback1.gift")[1]
    right = next(o["text"] for o in item.content["options"] if o["id"] == item.scoring["correct"])
    assert right.startswith('<p></p><p><span lang="FR">')
    assert "class" not in json.dumps(item.content)


def test_what_gift_samples_cannot_carry_is_noted():
    questions = _read("questions.gift.txt")
    assert questions[6].notes == ("ignored the stray text '\";' after the answer block", FEEDBACK)
    assert questions[3].notes == ("the wrong answers' fractions (-100%, -100%) become LevelPath's rule: each wrong "
                                  "choice cancels one right one", FEEDBACK)
    assert "no grader information came with the question: its rubric says so and must be written before review" \
        in questions[0].notes
    hometown = _read("examples.txt")[-2]
    assert hometown.notes == (
        "partial credit for 'Nazereth' (75%) in the gap is not kept: LevelPath has one right answer there",
        "partial credit for 'Bethlehem' (25%) in the gap is not kept: LevelPath has one right answer there",
        FEEDBACK)


# --- the grammar beyond the samples

def _one(text: str) -> ReadResult:
    results = read_gift("t.gift", text)
    assert len(results) == 1
    return results[0]


def test_comments_blank_lines_and_inline_double_slashes():
    results = read_gift("t.gift", "// a comment\n\n// another\nSee http://example.org/x {T}\n\n\n  \n"
                                  "   ::Indented::   Q?{=a ~b}\n")
    assert [r.source for r in results] == ["t.gift#line 4", 't.gift#line 8 "Indented"']
    assert results[0].content["stem"] == "See http://example.org/x"


@pytest.mark.parametrize(("prefix", "stem"), [
    ("[plain]", "a &lt;b&gt; &amp; c"),
    ("[html]", "a <b> &amp; c</b>"),
    ("[moodle]", "a <b> &amp; c</b>"),
    ("[markdown]", "a &lt;b&gt; &amp; c"),
])
def test_text_formats(prefix, stem):
    assert _one(f"::t::{prefix}a <b> & c{{T}}").content["stem"] == stem


def test_markdown_lists_and_emphasis():
    item = _one("[markdown]Choose *one*:\\n\\n- red\\n- __blue__{=a ~b}")
    assert item.content["stem"] == "<p>Choose <em>one</em>:</p><ul><li>red</li><li><strong>blue</strong></li></ul>"


def test_escapes_in_titles_texts_and_answers():
    item = _one(r"::a\:b::Is 1 \= 1 \{really\} \# \~?{=yes \~ sure#right ~no}")
    assert item.title == "a:b"
    assert item.content["stem"] == "Is 1 = 1 {really} # ~?"
    assert [o["text"] for o in item.content["options"]] == ["yes ~ sure", "no"]


def test_true_false_spellings_and_feedback():
    for block, correct in (("T", "TRUE"), ("TRUE", "TRUE"), ("F", "FALSE"), ("false#no#yes####why", "FALSE")):
        assert _one(f"Sky is green.{{{block}}}").scoring["correct"] == correct
    assert FEEDBACK in _one("Sky is green.{F#no#yes}").notes


def test_missing_word_with_several_right_answers_is_unsupported():
    result = _one("Grant is {~%50%buried ~%50%entombed ~living} here.")
    assert result == Unsupported(source="t.gift#line 1", identifier=None, type=None,
                                 reason="a missing-word question with several right answers: a LevelPath gap takes one")


def test_text_after_the_block_of_a_true_false_question_stays_in_the_statement():
    item = _one("The sun {T} rises in the east.")
    assert item.content["stem"] == "The sun rises in the east."
    assert "the text after the answer block ('rises in the east.') is kept at the end of the question" in item.notes


def test_lp_type_tags_put_the_gap_back_at_the_end():
    item = _one("// [tag:lp-type:gap_fill] [tag:lp-skill:grammar] [tag:lp-level:2]\nThe capital is {=Paris}")
    assert (item.type, item.skill, item.level, item.tags) == ("gap_fill", "grammar", 2, ())
    assert item.content["stem"] == "The capital is {{g1}}"


def test_description_and_broken_questions():
    assert _one("Just some text.") == Unsupported(source="t.gift#line 1", identifier=None, type=None,
                                                  reason="description: no question")
    cases = {
        "Q {=a": "the answer block opened with '{' is never closed with '}'",
        "Q {=a} and {=b}": "it has more than one answer block; a GIFT question has one",
        "Q } oops": "it has a '}' but no '{' to open an answer block",
        "Q {~%abc%x =y}": "broken GIFT question: the weight in '%abc%x' is not a percentage such as %50%",
        "Q {~a ~b}": "broken GIFT question: no answer has a positive fraction",
        "Q {=%50%a}": "broken GIFT question: no answer is fully correct (100%)",
        "Q {=a -> }": "broken GIFT question: the pair 'a ->' has nothing after '->'",
        "Q {stray =a}": "broken GIFT question: the text 'stray' comes before the first answer",
        "Q {maybe}": "cannot tell the question type from its answers 'maybe'",
    }
    for text, reason in cases.items():
        assert _one(text) == ReadError(source="t.gift#line 1", reason=reason), text
    assert _one("::never closed Q{T}").reason == "the title opened with '::' is never closed"


def test_category_lines_apply_to_the_questions_after_them():
    results = read_gift("t.gift", "$CATEGORY: $course$/A\n\nQ1{T}\n\n$CATEGORY: $course$/A/B\n\nQ2{F}\n")
    assert [r.category for r in results] == ["$course$/A", "$course$/A/B"]


def test_odd_input_never_crashes_the_reader():
    """Sample files with control characters inserted and removed at random: every question gets a result."""
    rng = random.Random(20240531)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.iterdir())]
    alphabet = "{}~=#:\\->%[]/ \n\tT"
    for _ in range(400):
        characters = list(rng.choice(texts))
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(characters))
            if rng.random() < 0.4:
                del characters[position]
            else:
                characters.insert(position, rng.choice(alphabet))
        results = read_gift("fuzz.gift", "".join(characters))
        assert all(isinstance(r, ImportedItem | Unsupported | ReadError) for r in results)
