"""Item types as a registry of strategies with pure validate / check_answer / score rules."""

from __future__ import annotations

from core.errors import RuleViolation
from question_bank.item_types.base import ItemType, Score
from question_bank.item_types.choice import MultipleResponse, Ordering, SingleChoice, TrueFalseNotGiven
from question_bank.item_types.constructed import Essay, Speaking
from question_bank.item_types.matching import Matching
from question_bank.item_types.text import GapFill, InlineChoice, ShortAnswer

REGISTRY: dict[str, ItemType] = {
    item_type.name: item_type
    for item_type in (SingleChoice(), MultipleResponse(), TrueFalseNotGiven(), GapFill(), InlineChoice(),
                      Matching(), Ordering(), ShortAnswer(), Essay(), Speaking())
}


def get(type_name: str) -> ItemType:
    """Raises RuleViolation for a type LevelPath does not know."""
    try:
        return REGISTRY[type_name]
    except KeyError:
        raise RuleViolation(
            f"unknown item type {type_name!r}; known: {', '.join(sorted(REGISTRY))}", field="type"
        ) from None


__all__ = ["REGISTRY", "ItemType", "Score", "get"]
