"""How one attempt shows an item: lists of options in an order and with ids of the attempt's own.

Stored content can give its key away: an ordering item's options are written in their right order, a matching
item's targets in the order of their sources, a choice item's right option often first (with an id that says
so). The lists an item type names (``ItemType.shuffled_lists``) are shown shuffled and relabelled in shown order
("o1", "o2", ... for options, "t1", ... for targets), drawn from the attempt's secret ``presentation_key`` and the
item version: the same on every request of the attempt, unrelated between attempts and to the key. Answers come
in with those labels and are stored, checked and scored with the item's own ids; what is shown back is
relabelled again. An attempt without a key (started before there was one) shows its items as stored.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from question_bank import item_types
from question_bank.item_types.base import ItemType

if TYPE_CHECKING:
    from assessment.models import Attempt
    from assessment.scoring import GivenItem

__all__ = ["Presentation", "new_presentation_key", "present", "shown_in"]


def new_presentation_key() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Presentation:
    content: dict[str, Any]  # as the candidate sees it
    item_type: ItemType
    to_item: dict[str, dict[str, str]] = field(default_factory=dict)  # list -> shown label -> the item's id
    to_shown: dict[str, dict[str, str]] = field(default_factory=dict)  # list -> the item's id -> shown label

    def answer_for_item(self, answer: Any) -> Any:
        """An answer as the candidate sent it, in the item's own ids."""
        return self.item_type.relabel_answer(answer, self.to_item) if self.to_item else answer

    def answer_for_candidate(self, answer: Any) -> Any:
        """A stored answer (or None) in the labels the candidate was shown."""
        return self.item_type.relabel_answer(answer, self.to_shown) if self.to_shown else answer


def present(presentation_key: str | None, item_version_id: int, item_type: str,
            content: dict[str, Any]) -> Presentation:
    """The item version as the attempt with ``presentation_key`` shows it."""
    kind = item_types.get(item_type)
    lists = [name for name in kind.shuffled_lists(content) if isinstance(content.get(name), list)]
    if presentation_key is None or not lists:
        return Presentation(content=content, item_type=kind)
    seed = hmac.new(presentation_key.encode(), str(item_version_id).encode(), hashlib.sha256).digest()
    draw = random.Random(seed)  # noqa: S311 - an order to show, from a secret seed; not itself a secret
    shown, to_item, to_shown = dict(content), {}, {}
    for name in lists:
        options = list(content[name])
        draw.shuffle(options)
        labels = {option["id"]: f"{name[0]}{number}" for number, option in enumerate(options, 1)}
        shown[name] = [{**option, "id": labels[option["id"]]} for option in options]
        to_shown[name] = labels
        to_item[name] = {label: option_id for option_id, label in labels.items()}
    return Presentation(content=shown, item_type=kind, to_item=to_item, to_shown=to_shown)


def shown_in(attempt: Attempt, item: GivenItem) -> Presentation:
    """The item as ``attempt`` shows it: answers come in, and go back, in its labels."""
    return present(attempt.presentation_key, item.item_version_id, item.type, item.content)
