"""Constructed responses marked by raters against a rubric: writing tasks and speaking tasks."""

from __future__ import annotations

from typing import Any

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


class Essay(ItemType):
    """A writing task: prompt, word limits and the rubric raters mark it with."""

    name, label = "essay", "writing-task"
    content_keys = with_stem(min_words=PLAIN, max_words=PLAIN)
    rater_scored = True

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_count(problems, "content.min_words", content.get("min_words"))
        check_count(problems, "content.max_words", content.get("max_words"), minimum=1)
        low, high = content.get("min_words"), content.get("max_words")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.add("content.max_words", "must not be below min_words")
        check_text(problems, "scoring.rubric", scoring.get("rubric"))

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        require_text_answer(require_keys(answer, {"text"})["text"], "answer.text")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        raise wrong_answer("writing tasks are scored by raters")


class Speaking(ItemType):
    """A speaking task: prompt, preparation and response times; the answer is an audio recording."""

    name, label = "speaking", "speaking-task"
    content_keys = with_stem(preparation_seconds=PLAIN, response_seconds=PLAIN)
    rater_scored = True

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_count(problems, "content.preparation_seconds", content.get("preparation_seconds"))
        if not isinstance(content.get("response_seconds"), int) or isinstance(content.get("response_seconds"), bool) \
                or not 5 <= content["response_seconds"] <= 1800:
            problems.add("content.response_seconds", "must be a whole number of seconds from 5 to 1800")
        check_text(problems, "scoring.rubric", scoring.get("rubric"))

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        audio = require_keys(answer, {"audio"})["audio"]
        if not isinstance(audio, str) or len(audio) != CONTENT_HASH_LENGTH or not all(
                c in "0123456789abcdef" for c in audio):
            raise wrong_answer("must be the content hash of an uploaded recording", "answer.audio")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        raise wrong_answer("speaking tasks are scored by raters")
