"""A first handful of single-choice items written for LevelPath's demo, levels 1-6."""

from __future__ import annotations

from typing import Any


def _item(skill: str, level: int, stem: str, options: list[str], correct: int) -> dict[str, Any]:
    ids = "ABCDEFGH"
    return {
        "type": "single_choice",
        "skill": skill,
        "level": level,
        "content": {"stem": stem, "options": [{"id": ids[i], "text": text} for i, text in enumerate(options)]},
        "scoring": {"correct": ids[correct]},
    }


STARTER_ITEMS: list[dict[str, Any]] = [
    _item("grammar", 1, "My sister ___ a nurse at the provincial hospital.", ["am", "is", "are", "be"], 1),
    _item("vocabulary", 1, "We eat lunch at twelve o'clock. Twelve o'clock is in the ___.",
          ["morning", "evening", "middle of the day", "night"], 2),
    _item("grammar", 2, "Last week the union ___ a meeting about working hours.",
          ["holds", "is holding", "held", "has hold"], 2),
    _item("vocabulary", 2, "Please ___ this form and give it back to the receptionist.",
          ["fill in", "fill at", "fill on", "fill of"], 0),
    _item("grammar", 3, "If the training budget ___ approved, we will open two more English classes.",
          ["is", "will be", "would be", "was being"], 0),
    _item("vocabulary", 3, "The new rules will ___ effect from the first of January.",
          ["make", "take", "give", "bring"], 1),
    _item("grammar", 4, "By the time the delegation arrives, the interpreters ___ the documents.",
          ["will have translated", "have translated", "translated", "are translating"], 0),
    _item("vocabulary", 4, "The federation's report ___ the need for better safety training in factories.",
          ["highlights", "enlightens", "outstands", "underlies"], 0),
    _item("grammar", 5, "Not until the contract was signed ___ how many workers would be affected.",
          ["the members realised", "did the members realise", "the members did realise",
           "realised the members"], 1),
    _item("vocabulary", 5, "The negotiators reached a compromise that both sides could ___ with.",
          ["live", "stand", "bear", "put"], 0),
    _item("grammar", 6, "Had the committee been consulted earlier, the dispute ___ so bitter.",
          ["would not become", "would not have become", "did not become", "had not become"], 1),
    _item("vocabulary", 6, "Her speech was so ___ that even the sceptics in the audience were won over.",
          ["cogent", "cognate", "coherent to", "cognisant"], 0),
]
