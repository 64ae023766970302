"""Typed and selected gaps: gap fill, inline choice (drop-down cloze), short answer."""

from __future__ import annotations

from typing import Any

from question_bank.item_types.base import (
    IDENTIFIER,
    OPTION,
    PLAIN,
    Entries,
    ItemType,
    Problems,
    check_count,
    check_options,
    gap_markers,
    matches_accepted,
    require_keys,
    require_text_answer,
    with_stem,
    wrong_answer,
)


def _check_gaps_in_stem(content: dict[str, Any], problems: Problems) -> list[str]:
    gaps = content.get("gaps")
    if not isinstance(gaps, list) or not gaps:
        problems.add("content.gaps", "at least one gap is required")
        return []
    ids = []
    for index, gap in enumerate(gaps):
        gap_id = gap.get("id") if isinstance(gap, dict) else None
        if not isinstance(gap_id, str) or not IDENTIFIER.match(gap_id):
            problems.add(f"content.gaps.{index}.id", "each gap needs an id of letters, digits, _ . -")
        else:
            ids.append(gap_id)
    stem = content.get("stem")
    markers = gap_markers(stem) if isinstance(stem, str) else []  # a stem of the wrong type is named already
    if sorted(markers) != sorted(ids) or len(set(ids)) != len(ids):
        problems.add("content.stem", "must contain each gap's {{id}} marker exactly once")
    return ids


def _gap_answers(content: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    given = require_keys(answer, {"gaps"})["gaps"]
    known = {gap["id"] for gap in content["gaps"]}
    if not isinstance(given, dict) or not set(given) <= known:
        raise wrong_answer("must map gap ids to answers", "answer.gaps")
    return given


class GapFill(ItemType):
    """Typed answers in gaps of a text; each gap has accepted answers and a case rule."""

    name, label = "gap_fill", "gap-fill"
    content_keys = with_stem(gaps=Entries({"id": PLAIN}))
    supports_partial_credit = True
    default_method = "partial"  # one mark per gap unless the item says otherwise

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = _check_gaps_in_stem(content, problems)
        rules = scoring.get("gaps")
        if not isinstance(rules, dict) or set(rules) != set(ids):
            problems.add("scoring.gaps", "must give accepted answers for every gap, and no others")
            return
        for gap_id, rule in rules.items():
            accepted = rule.get("accepted") if isinstance(rule, dict) else None
            if not isinstance(accepted, list) or not accepted \
                    or not all(isinstance(a, str) and a.strip() for a in accepted):
                problems.add(f"scoring.gaps.{gap_id}.accepted", "list one or more non-empty accepted answers")
            if isinstance(rule, dict) and not isinstance(rule.get("case_sensitive", False), bool):
                problems.add(f"scoring.gaps.{gap_id}.case_sensitive", "must be true or false")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        for gap_id, text in _gap_answers(content, answer).items():
            require_text_answer(text, f"answer.gaps.{gap_id}", max_length=500)

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        given = answer.get("gaps", {})
        rules = scoring["gaps"]
        right = sum(
            any(matches_accepted(given.get(gap_id, ""), accepted, case_sensitive=rule.get("case_sensitive", False))
                for accepted in rule["accepted"])
            for gap_id, rule in rules.items()
        )
        return right / len(rules)



class InlineChoice(ItemType):
    """Drop-down choices in gaps of a text."""

    name, label = "inline_choice", "inline-choice"
    content_keys = with_stem(gaps=Entries({"id": PLAIN, "options": OPTION}))
    supports_partial_credit = True
    default_method = "partial"

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = _check_gaps_in_stem(content, problems)
        choices: dict[str, list[str]] = {}
        gaps = content.get("gaps")
        for index, gap in enumerate(gaps if isinstance(gaps, list) else []):  # not a list: named already
            if isinstance(gap, dict) and gap.get("id") in ids:
                choices[gap["id"]] = check_options(problems, f"content.gaps.{index}.options", gap.get("options"))
        correct = scoring.get("correct")
        if not isinstance(correct, dict) or set(correct) != set(ids):
            problems.add("scoring.correct", "must name the right option of every gap, and no others")
            return
        for gap_id, option_id in correct.items():
            if option_id not in choices.get(gap_id, []):
                problems.add(f"scoring.correct.{gap_id}", "must be one of that gap's option ids")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        options = {gap["id"]: {o["id"] for o in gap["options"]} for gap in content["gaps"]}
        for gap_id, option_id in _gap_answers(content, answer).items():
            if option_id not in options[gap_id]:
                raise wrong_answer("must be one of that gap's option ids", f"answer.gaps.{gap_id}")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        given = answer.get("gaps", {})
        correct = scoring["correct"]
        return sum(given.get(gap_id) == option_id for gap_id, option_id in correct.items()) / len(correct)



class ShortAnswer(ItemType):
    """A short typed answer compared with accepted answers (``*`` is a wildcard), each worth a share."""

    name, label = "short_answer", "short-answer"
    content_keys = with_stem(max_length=PLAIN)
    supports_partial_credit = True
    default_method = "partial"  # a partly right accepted answer earns its share, as in Moodle

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_count(problems, "content.max_length", content.get("max_length"), minimum=1)
        if not isinstance(scoring.get("case_sensitive", False), bool):
            problems.add("scoring.case_sensitive", "must be true or false")
        accepted = scoring.get("accepted")
        if not isinstance(accepted, list) or not accepted:
            problems.add("scoring.accepted", "list one or more accepted answers")
            return
        for index, entry in enumerate(accepted):
            text = entry.get("text") if isinstance(entry, dict) else None
            fraction = entry.get("fraction", 1.0) if isinstance(entry, dict) else None
            if not isinstance(text, str) or not text.strip():
                problems.add(f"scoring.accepted.{index}.text", "a non-empty text is required")
            if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1:
                problems.add(f"scoring.accepted.{index}.fraction", "must be above 0 and at most 1")
        if not any(isinstance(e, dict) and e.get("fraction", 1.0) == 1 for e in accepted):
            problems.add("scoring.accepted", "at least one accepted answer must earn full marks")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        require_text_answer(require_keys(answer, {"text"})["text"], "answer.text",
                            max_length=content.get("max_length") or 500)

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        case_sensitive = scoring.get("case_sensitive", False)
        given = answer.get("text", "")
        return max((entry.get("fraction", 1.0) for entry in scoring["accepted"]
                    if matches_accepted(given, entry["text"], case_sensitive=case_sensitive)), default=0.0)

