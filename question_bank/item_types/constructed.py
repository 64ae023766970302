"""Constructed responses marked by raters against a rubric: writing tasks and speaking tasks."""

from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Any, ClassVar

from question_bank.item_types.base import (
    PLAIN,
    ItemType,
    Problems,
    check_count,
    check_text,
    require_keys,
    require_text_answer,
    with_stem,
    wrong_answer,
)

CONTENT_HASH_LENGTH = 64

# The rubrics LevelPath ships, by code, and the skill each marks. Their criteria are assessment's
# (assessment/rating/data/rubrics.yaml, checked against this in tests/unit/rating); the codes are here so that
# an item's rubric is checked where the item is, below assessment.
SHIPPED_RUBRICS = MappingProxyType({"vstep-writing-task1": "writing", "vstep-writing-task2": "writing",
                                    "vstep-speaking": "speaking"})
SCORING_KEYS = ("rubric", "points", "method")
# How alike a code must be to a shipped one to be taken for a mistyped one (difflib's ratio): a transposed or
# missing letter is above it, a centre's own name for its own rubric is far below.
TYPO_LIKENESS = 0.9


def check_rubric_scoring(problems: Problems, scoring: dict[str, Any], skill: str) -> None:
    """Scoring holds only rubric, points and method; the rubric is a text, and neither a shipped rubric of
    another skill nor a mistyped shipped code (raters would mark with the skill's default instead).

    A code LevelPath does not ship is taken as it is: a centre's own rubric, made by a test administrator
    (POST /api/v1/rubrics), or an imported item's rubric text; an extension of a shipped code
    (``vstep-speaking-2``) is a name of its own too.
    """
    for key in scoring:
        if key not in SCORING_KEYS:
            problems.add(f"scoring.{key}", f"unknown key; known here: {', '.join(SCORING_KEYS)}")
    rubric = scoring.get("rubric")
    check_text(problems, "scoring.rubric", rubric)
    if not isinstance(rubric, str) or not rubric.strip():
        return
    own = sorted(code for code, marks in SHIPPED_RUBRICS.items() if marks == skill)
    marks = SHIPPED_RUBRICS.get(rubric)
    if marks is not None and marks != skill:
        problems.add("scoring.rubric", f"{rubric} marks {marks}; a {skill} task takes {' or '.join(own)} "
                                       "or a rubric of the centre's own")
        return
    if marks is not None or any(rubric.startswith(code) for code in SHIPPED_RUBRICS):
        return
    by_folded = {code.casefold(): code for code in SHIPPED_RUBRICS}
    near = difflib.get_close_matches(rubric.strip().casefold(), by_folded, n=1, cutoff=TYPO_LIKENESS)
    if near:
        problems.add("scoring.rubric", f"no rubric {rubric!r}: did you mean {by_folded[near[0]]}?")


class Essay(ItemType):
    """A writing task: prompt, word limits and the rubric raters mark it with."""

    name, label = "essay", "writing-task"
    content_keys = with_stem(min_words=PLAIN, max_words=PLAIN)
    rater_scored = True
    skill: ClassVar[str] = "writing"

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_count(problems, "content.min_words", content.get("min_words"))
        check_count(problems, "content.max_words", content.get("max_words"), minimum=1)
        low, high = content.get("min_words"), content.get("max_words")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.add("content.max_words", "must not be below min_words")
        check_rubric_scoring(problems, scoring, self.skill)

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        require_text_answer(require_keys(answer, {"text"})["text"], "answer.text")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        raise wrong_answer("writing tasks are scored by raters")


class Speaking(ItemType):
    """A speaking task: prompt, preparation and response times; the answer is an audio recording."""

    name, label = "speaking", "speaking-task"
    content_keys = with_stem(preparation_seconds=PLAIN, response_seconds=PLAIN)
    rater_scored = True
    skill: ClassVar[str] = "speaking"

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_count(problems, "content.preparation_seconds", content.get("preparation_seconds"))
        if not isinstance(content.get("response_seconds"), int) or isinstance(content.get("response_seconds"), bool) \
                or not 5 <= content["response_seconds"] <= 1800:
            problems.add("content.response_seconds", "must be a whole number of seconds from 5 to 1800")
        check_rubric_scoring(problems, scoring, self.skill)

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        audio = require_keys(answer, {"audio"})["audio"]
        if not isinstance(audio, str) or len(audio) != CONTENT_HASH_LENGTH or not all(
                c in "0123456789abcdef" for c in audio):
            raise wrong_answer("must be the content hash of an uploaded recording", "answer.audio")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        raise wrong_answer("speaking tasks are scored by raters")
