"""Moodle's fractions and how their scoring differs from LevelPath's, said once for XML and GIFT."""

from __future__ import annotations

from fractions import Fraction
from html import escape
from typing import Any

from question_bank import item_types
from question_bank.interchange.model import ExportableItem
from question_bank.interchange.moodle.levelpath import Broken, NotCarried, letters, numbered
from question_bank.item_types.base import matches_accepted
from question_bank.markup import plain_text

FULL = 1 - 1e-9


def from_percent(percent: float) -> float:
    """A Moodle percentage as a fraction; 33.33333 becomes exactly 1/3, as the author meant."""
    value = round(percent / 100, 9)
    near = Fraction(value).limit_denominator(12)
    return float(near) if abs(float(near) - value) < 1e-6 else value


def percent(fraction: float) -> str:
    """A fraction as Moodle writes it: 50, 33.33333, -100."""
    text = f"{fraction * 100:.7f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def typed(text: str) -> str:
    """An accepted answer with its spaces collapsed: LevelPath compares typed answers that way anyway."""
    return " ".join(text.split())


def shown(fraction: float) -> str:
    """A fraction as the percentage a Moodle author typed."""
    return f"{fraction * 100:g}%"


def weight_notes(right: list[float], wrong: list[float]) -> list[str]:
    """How Moodle's fractions of a multiple-answer question differ from LevelPath's partial credit."""
    notes = []
    if len(set(right)) > 1:
        notes.append(f"the right answers' unequal fractions ({', '.join(map(shown, right))}) become equal shares "
                     "in LevelPath")
    penalty = -1 / len(right)
    if wrong and all(f == 0 for f in wrong):
        notes.append("wrong answers carry no penalty in Moodle, so choosing every option scores there; in LevelPath "
                     "each wrong choice cancels one right one")
    elif any(abs(f - penalty) > 1e-6 for f in wrong):
        notes.append(f"the wrong answers' fractions ({', '.join(map(shown, wrong))}) become LevelPath's rule: each "
                     "wrong choice cancels one right one")
    return notes


def first_match_notes(answers: list[tuple[str, float]], case_sensitive: bool) -> list[str]:
    """Moodle scores a typed answer by the first answer it matches, LevelPath by the best one."""
    notes = []
    for index, (earlier, fraction) in enumerate(answers):
        for later, later_fraction in answers[index + 1:]:
            if later_fraction > fraction and matches_accepted(later, earlier, case_sensitive=case_sensitive):
                notes.append(f"Moodle scores {later!r} by the earlier answer {earlier!r} ({shown(fraction)}); "
                             f"LevelPath gives it its own {shown(later_fraction)}")
    return notes


def partial_note(text: str, fraction: float, where: str) -> str:
    """The note for partial credit a LevelPath key with one right answer cannot keep."""
    return f"partial credit for {text!r} ({shown(fraction)}){where} is not kept: LevelPath has one right answer there"


def options(texts: list[str]) -> list[dict[str, str]]:
    """Options with the ids readers give: A, B, C..."""
    return [{"id": option_id, "text": text} for option_id, text in zip(letters(len(texts)), texts, strict=True)]


def choice_scoring(answers: list[tuple[str, float]], *, single: bool, all_or_nothing: bool = False
                   ) -> tuple[str, dict[str, Any], list[str]]:
    """(item type, scoring without points, notes) for choices with Moodle fractions.

    Raises Broken when no answer can earn full marks and NotCarried for two fully right answers
    in a single-answer question.
    """
    ids = letters(len(answers))
    plain = [plain_text(text) for text, _ in answers]
    if single:
        full = [i for i, (_, f) in enumerate(answers) if f >= FULL]
        if not full:
            raise Broken("no answer is fully correct (100%)")
        if len(full) > 1:
            raise NotCarried(f"{len(full)} answers are fully correct; a LevelPath single-choice item has exactly "
                             "one key")
        notes = [partial_note(plain[i], f, "") for i, (_, f) in enumerate(answers) if 0 < f < FULL]
        if any(f < 0 for _, f in answers):
            notes.append("negative marks for wrong answers are not kept")
        return "single_choice", {"correct": ids[full[0]]}, notes
    right = [i for i, (_, f) in enumerate(answers) if f > 0]
    if not right:
        raise Broken("no answer has a positive fraction")
    method = "all_or_nothing" if all_or_nothing or len(right) == 1 else "partial"
    notes = [] if all_or_nothing else weight_notes([answers[i][1] for i in right], [f for _, f in answers if f <= 0])
    return "multiple_response", {"correct": [ids[i] for i in right], "method": method}, notes


def gap_choice(answers: list[tuple[str, float]], gap: str) -> tuple[list[dict[str, str]], str, list[str]]:
    """(options, right option id, notes) of a drop-down gap. Raises Broken or NotCarried like choice_scoring."""
    full = [i for i, (_, f) in enumerate(answers) if f >= FULL]
    if not full:
        raise Broken(f"{gap} has no fully correct (100%) choice")
    if len(full) > 1:
        raise NotCarried(f"{gap} has {len(full)} fully correct choices; a LevelPath gap has one")
    notes = [partial_note(plain_text(t), f, f" in {gap}") for t, f in answers if 0 < f < FULL]
    choices = options([text for text, _ in answers])
    return choices, choices[full[0]]["id"], notes


def typed_gap(answers: list[tuple[str, float]], gap: str) -> tuple[list[str], list[str]]:
    """(accepted answers, notes) of a typed gap: only fully right answers count there."""
    accepted = [typed(text) for text, f in answers if f >= FULL]
    if not accepted:
        raise Broken(f"{gap} has no fully correct (100%) answer")
    return accepted, [partial_note(t, f, f" in {gap}") for t, f in answers if 0 < f < FULL]


def short_answer_scoring(answers: list[tuple[str, float]], *, case_sensitive: bool) -> tuple[dict[str, Any],
                                                                                              list[str]]:
    """Scoring (without points) and notes of a short answer with Moodle fractions. Raises Broken."""
    if not any(f >= FULL for _, f in answers):
        raise Broken("no answer is fully correct (100%)")
    notes = first_match_notes(answers, case_sensitive)
    if any(f < 0 for _, f in answers):
        notes.append("negative fractions of answers are not kept")
    if any("\\*" in text for text, f in answers if f > 0):
        notes.append("a literal asterisk (\\*) cannot be expressed in LevelPath; it is read as a wildcard")
    accepted = [{"text": typed(text.replace("\\*", "*")), "fraction": min(f, 1.0)} for text, f in answers if f > 0]
    return {"accepted": accepted, "case_sensitive": case_sensitive, "method": "partial"}, notes


MATCHING_NOTE = ("Moodle gives each right pair its share without subtracting wrong pairs; LevelPath's partial credit "
                 "subtracts them")


def scored_otherwise_by_moodle(item: ExportableItem) -> str | None:
    """Why Moodle would score a matching or gap item otherwise than LevelPath does, or None.

    Moodle gives a matching question a share of its points for each right pair, and a cloze question (and GIFT's
    one-gap question) a share for each right gap: an all-or-nothing matching item, or an item with gaps whose table
    of points is not those shares, is not written rather than scored otherwise (as an all-or-nothing multiple
    answer).
    """
    method = item_types.get(item.type).method_of(item.scoring)
    if item.type == "matching" and method == "all_or_nothing" and len(item.scoring.get("pairs", [])) > 1:
        return ("Moodle would give each right pair its share of the points, where LevelPath gives nothing unless "
                "every pair is right")
    if item.type not in {"gap_fill", "inline_choice"} or method != "table" or len(item.content["gaps"]) < 2:
        return None  # one gap is right or wrong in Moodle too; its table travels in the LevelPath record
    gaps, points, table = len(item.content["gaps"]), float(item.scoring.get("points", 1)), item.scoring["table"]
    if all(abs(value - points * right / gaps) < 1e-9 for right, value in enumerate(table)):
        return None  # a table of equal shares scores as Moodle does
    return (f"Moodle would give each right gap its share of the points, where LevelPath's table gives "
            f"{', '.join(f'{value:g}' for value in table)} points for 0 to {gaps} gaps right")


def matching_parts(pairs: list[tuple[str, str]], spare: list[str]) -> tuple[list[dict[str, str]],
                                                                             list[dict[str, str]], list[list[str]]]:
    """Sources, targets and pairs from (source HTML, plain answer) pairs and spare answers.

    Targets come as sources first use them, then the spare ones: the order writers put them in.
    """
    texts = list(dict.fromkeys([*(answer for _, answer in pairs), *(s for s in spare if s)]))
    target_ids = dict(zip(texts, numbered("T", len(texts)), strict=True))
    source_ids = numbered("S", len(pairs))
    sources = [{"id": i, "text": text} for i, (text, _) in zip(source_ids, pairs, strict=True)]
    targets = [{"id": target_ids[t], "text": escape(t, quote=False)} for t in texts]
    return sources, targets, [[i, target_ids[answer]] for i, (_, answer) in zip(source_ids, pairs, strict=True)]
