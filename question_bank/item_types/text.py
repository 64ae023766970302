"""Typed and selected gaps: gap fill, inline choice (drop-down cloze), short answer."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from question_bank.item_types.base import (
    IDENTIFIER,
    OPTION,
    PLAIN,
    Entries,
    ItemType,
    Problems,
    Score,
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


def _check_table(problems: Problems, scoring: dict[str, Any], gaps: int | None) -> None:
    """``table[k]``: the points for exactly k gaps right, so that all gaps right earns the item's points."""
    table = scoring.get("table")
    points = scoring.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int | float):
        points = None  # named already
    if not isinstance(table, list) or not table or (gaps is not None and len(table) != gaps + 1):
        wanted = f"0 to {gaps} gaps right: {gaps + 1} numbers" if gaps is not None else "0, 1, ... gaps right"
        problems.add("scoring.table", f"list the points for {wanted}")
        return
    top = points if points is not None else float("inf")
    for right, value in enumerate(table):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= top:
            problems.add(f"scoring.table.{right}", "must be a number from 0 to the item's points")
        elif right == len(table) - 1 and points is not None and value != points:
            problems.add(f"scoring.table.{right}", "all gaps right must earn the item's points")


class GapItem(ItemType):
    """Gaps in a text, each right or wrong. Partial credit is the share of gaps right; method ``table`` gives
    the points for each number of gaps right instead (as QTI interpolation tables do: 2 of 3 right earns 1)."""

    supports_partial_credit = True
    default_method = "partial"  # one mark per gap unless the item says otherwise
    #: The scoring key that holds one key per gap.
    gap_keys: ClassVar[str]

    def methods(self) -> tuple[str, ...]:
        return (*super().methods(), "table")

    @abstractmethod
    def check_keys(self, content: dict[str, Any], scoring: dict[str, Any], ids: list[str],
                   problems: Problems) -> None:
        """Add problems with the keys of the gaps ``ids`` (the stem's gaps, checked already)."""

    @abstractmethod
    def gaps_right(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> int:
        """How many gaps the answer fills right."""

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = _check_gaps_in_stem(content, problems)
        self.check_keys(content, scoring, ids, problems)
        if scoring.get("method") == "table":
            gaps = content.get("gaps")
            _check_table(problems, scoring, len(gaps) if isinstance(gaps, list) and gaps else None)

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        return self.gaps_right(content, scoring, answer) / len(scoring[self.gap_keys])

    def score(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any] | None) -> Score:
        if self.method_of(scoring) != "table":
            return super().score(content, scoring, answer)
        # No answer is no gap right, as in a QTI player: the table says what that earns.
        right = 0 if answer is None else self.gaps_right(content, scoring, answer)
        return Score(points=float(scoring["table"][right]), max_points=self.max_points(scoring))


class GapFill(GapItem):
    """Typed answers in gaps of a text; each gap has accepted answers and a case rule."""

    name, label = "gap_fill", "gap-fill"
    content_keys = with_stem(gaps=Entries({"id": PLAIN}))
    gap_keys = "gaps"

    def check_keys(self, content: dict[str, Any], scoring: dict[str, Any], ids: list[str],
                   problems: Problems) -> None:
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

    def gaps_right(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> int:
        given = answer.get("gaps", {})
        return sum(
            any(matches_accepted(given.get(gap_id, ""), accepted, case_sensitive=rule.get("case_sensitive", False))
                for accepted in rule["accepted"])
            for gap_id, rule in scoring["gaps"].items()
        )


class InlineChoice(GapItem):
    """Drop-down choices in gaps of a text."""

    name, label = "inline_choice", "inline-choice"
    content_keys = with_stem(gaps=Entries({"id": PLAIN, "options": OPTION}))
    gap_keys = "correct"

    def check_keys(self, content: dict[str, Any], scoring: dict[str, Any], ids: list[str],
                   problems: Problems) -> None:
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
            if not isinstance(option_id, str) or option_id not in options[gap_id]:
                raise wrong_answer("must be one of that gap's option ids", f"answer.gaps.{gap_id}")

    def gaps_right(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> int:
        given = answer.get("gaps", {})
        return sum(given.get(gap_id) == option_id for gap_id, option_id in scoring["correct"].items())


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

