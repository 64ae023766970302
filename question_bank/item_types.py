"""Item types as a registry of strategies with pure validate/score rules.

Each type splits an item into ``content`` (safe to show a candidate) and ``scoring`` (keys and
rules that never leave the server), checks both, checks a candidate's answer, and scores it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from core.errors import RuleViolation


@dataclass(frozen=True, slots=True)
class Score:
    points: float
    max_points: float


class ItemType(ABC):
    name: ClassVar[str]

    @abstractmethod
    def validate(self, content: dict[str, Any], scoring: dict[str, Any]) -> None:
        """Raises RuleViolation naming each field that breaks this type's rules."""

    @abstractmethod
    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        """Raises RuleViolation when an answer is not of this item's shape."""

    @abstractmethod
    def score(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any] | None) -> Score:
        """Points for an answer (None: unanswered) out of the item's maximum."""


class SingleChoice(ItemType):
    """One correct option among several."""

    name = "single_choice"
    MIN_OPTIONS, MAX_OPTIONS = 2, 8

    def validate(self, content: dict[str, Any], scoring: dict[str, Any]) -> None:
        errors: dict[str, list[str]] = {}
        stem = content.get("stem")
        if not isinstance(stem, str) or not stem.strip():
            errors["content.stem"] = ["a non-empty stem is required"]
        options = content.get("options")
        option_ids: list[str] = []
        if not isinstance(options, list) or not self.MIN_OPTIONS <= len(options) <= self.MAX_OPTIONS:
            errors["content.options"] = [f"between {self.MIN_OPTIONS} and {self.MAX_OPTIONS} options are required"]
        else:
            for index, option in enumerate(options):
                if not isinstance(option, dict) or not str(option.get("text", "")).strip():
                    errors[f"content.options.{index}.text"] = ["option text is required"]
                    continue
                option_ids.append(str(option.get("id", "")))
            if len(set(option_ids)) != len(option_ids) or "" in option_ids:
                errors["content.options"] = ["option ids must be present and unique"]
        correct = scoring.get("correct")
        if correct not in option_ids:
            errors["scoring.correct"] = ["must be the id of one of the options"]
        if errors:
            raise RuleViolation("the item breaks the rules of a single-choice item", errors=errors)

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        choice = answer.get("choice")
        if set(answer) != {"choice"} or choice not in {o["id"] for o in content["options"]}:
            raise RuleViolation("answer must be {\"choice\": <one of the option ids>}", field="answer.choice")

    def score(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any] | None) -> Score:
        correct = answer is not None and answer.get("choice") == scoring["correct"]
        return Score(points=1.0 if correct else 0.0, max_points=1.0)


REGISTRY: dict[str, ItemType] = {t.name: t for t in (SingleChoice(),)}


def get(type_name: str) -> ItemType:
    """Raises RuleViolation for a type LevelPath does not know."""
    try:
        return REGISTRY[type_name]
    except KeyError:
        raise RuleViolation(
            f"unknown item type {type_name!r}; known: {', '.join(sorted(REGISTRY))}", field="type"
        ) from None
