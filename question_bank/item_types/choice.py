"""Selected-response types: single choice, multiple response, true/false/not given, ordering."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from question_bank.item_types.base import (
    OPTION,
    PLAIN,
    ItemType,
    Problems,
    check_bool,
    check_count,
    check_options,
    option_ids,
    relabel_key,
    relabelled,
    relabelled_all,
    require_keys,
    with_stem,
    wrong_answer,
)


def _whole(value: Any) -> bool:
    """A whole number (a count's check has already refused anything else, booleans included)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _if_shuffled(content: dict[str, Any]) -> tuple[str, ...]:
    """Options the author lets be shuffled are shown in each attempt's own order and ids: written as they are,
    the right one often comes first (a GIFT question's does), and its id says so."""
    return ("options",) if content.get("shuffle") is True else ()


class SingleChoice(ItemType):
    """One correct option among several."""

    name, label = "single_choice", "single-choice"
    content_keys = with_stem(options=OPTION, shuffle=PLAIN)

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = check_options(problems, "content.options", content.get("options"))
        check_bool(problems, "content.shuffle", content.get("shuffle"))
        if scoring.get("correct") not in ids:
            problems.add("scoring.correct", "must be the id of one of the options")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        choice = require_keys(answer, {"choice"})["choice"]
        if choice not in option_ids(content["options"]):
            raise wrong_answer("must be one of the option ids", "answer.choice")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        return 1.0 if answer.get("choice") == scoring["correct"] else 0.0

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        return _if_shuffled(content)

    def relabel_answer(self, answer: Any, ids: Mapping[str, Mapping[str, str]]) -> Any:
        return relabel_key(answer, "choice", lambda choice: relabelled(choice, ids.get("options", {})))


class TrueFalseNotGiven(SingleChoice):
    """A statement judged against a text: True / False / Not Given (or just True / False)."""

    name, label = "true_false_not_given", "true/false/not given"
    content_keys = with_stem(options=OPTION, shuffle=PLAIN, variant=PLAIN)
    VARIANTS: ClassVar[dict[str, list[tuple[str, str]]]] = {
        "true_false_not_given": [("TRUE", "True"), ("FALSE", "False"), ("NOT_GIVEN", "Not Given")],
        "true_false": [("TRUE", "True"), ("FALSE", "False")],
    }

    @classmethod
    def options_for(cls, variant: str) -> list[dict[str, str]]:
        return [{"id": option_id, "text": text} for option_id, text in cls.VARIANTS[variant]]

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        check_bool(problems, "content.shuffle", content.get("shuffle"))
        variant = content.get("variant", "true_false_not_given")
        if not isinstance(variant, str) or variant not in self.VARIANTS:
            problems.add("content.variant", f"must be one of {', '.join(self.VARIANTS)}")
            return
        expected = [option_id for option_id, _text in self.VARIANTS[variant]]
        ids = check_options(problems, "content.options", content.get("options"))
        if "content.options" not in problems.errors and ids != expected:
            problems.add("content.options", f"must be exactly {', '.join(expected)}")
        if not isinstance(scoring.get("correct"), str) or scoring["correct"] not in expected:
            problems.add("scoring.correct", "must be TRUE, FALSE or (for that variant) NOT_GIVEN")

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        """Its options are the fixed TRUE / FALSE / NOT_GIVEN, in that order: nothing to give away."""
        return ()


class MultipleResponse(ItemType):
    """Several correct options; partial credit subtracts wrong choices so ticking all earns nothing."""

    name, label = "multiple_response", "multiple-response"
    content_keys = with_stem(options=OPTION, shuffle=PLAIN, min_choices=PLAIN, max_choices=PLAIN)
    supports_partial_credit = True

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = check_options(problems, "content.options", content.get("options"))
        check_bool(problems, "content.shuffle", content.get("shuffle"))
        check_count(problems, "content.min_choices", content.get("min_choices"))
        check_count(problems, "content.max_choices", content.get("max_choices"), minimum=1)
        correct = scoring.get("correct")
        if not isinstance(correct, list) or not correct or not all(isinstance(c, str) for c in correct) \
                or len(set(correct)) != len(correct) or not set(correct) <= set(ids):
            problems.add("scoring.correct", "must list one or more distinct option ids")
        elif _whole(content.get("max_choices")) and len(correct) > content["max_choices"]:
            problems.add("scoring.correct", "lists more correct options than a candidate may choose")
        elif _whole(content.get("min_choices")) and len(correct) < content["min_choices"]:
            problems.add("scoring.correct", "lists fewer correct options than a candidate must choose, "
                                            "so no answer could earn every point")
        least, most = content.get("min_choices"), content.get("max_choices")
        options = content.get("options")
        if _whole(least) and isinstance(options, list) and least > len(options):
            problems.add("content.min_choices",
                         f"asks for more choices ({least}) than there are options ({len(options)})")
        elif _whole(least) and _whole(most) and least > most:
            problems.add("content.min_choices", f"must not be more than content.max_choices ({most})")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        choices = require_keys(answer, {"choices"})["choices"]
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices) \
                or len(set(choices)) != len(choices) \
                or not set(choices) <= set(option_ids(content["options"])):
            raise wrong_answer("must be a list of distinct option ids", "answer.choices")
        if content.get("max_choices") and len(choices) > content["max_choices"]:
            raise wrong_answer(f"at most {content['max_choices']} choices", "answer.choices")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        chosen, correct = set(answer.get("choices", [])), set(scoring["correct"])
        if self.method_of(scoring) == "all_or_nothing":
            return 1.0 if chosen == correct else 0.0
        return (len(chosen & correct) - len(chosen - correct)) / len(correct)

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        return _if_shuffled(content)

    def relabel_answer(self, answer: Any, ids: Mapping[str, Mapping[str, str]]) -> Any:
        return relabel_key(answer, "choices", lambda choices: relabelled_all(choices, ids.get("options", {})))


class Ordering(ItemType):
    """Put options in order; partial credit counts options in their right place."""

    name, label = "ordering", "ordering"
    content_keys = with_stem(options=OPTION, shuffle=PLAIN)
    supports_partial_credit = True

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        ids = check_options(problems, "content.options", content.get("options"))
        check_bool(problems, "content.shuffle", content.get("shuffle"))
        order = scoring.get("order")
        if not isinstance(order, list) or not all(isinstance(i, str) for i in order) or sorted(order) != sorted(ids):
            problems.add("scoring.order", "must list every option id exactly once")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        order = require_keys(answer, {"order"})["order"]
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(option_ids(content["options"])):
            raise wrong_answer("must list every option id exactly once", "answer.order")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        expected = scoring["order"]
        given = answer.get("order", [])
        return sum(a == b for a, b in zip(given, expected, strict=False)) / len(expected)

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        """Always: options are written in their right order (a Moodle or QTI ordering item's are), and their
        order is the question."""
        return ("options",)

    def relabel_answer(self, answer: Any, ids: Mapping[str, Mapping[str, str]]) -> Any:
        return relabel_key(answer, "order", lambda order: relabelled_all(order, ids.get("options", {})))
