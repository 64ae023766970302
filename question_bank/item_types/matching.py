"""Matching: pair each source with a target; wrong pairs cancel right ones under partial credit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.item_types.base import (
    OPTION,
    PLAIN,
    ItemType,
    Problems,
    check_bool,
    check_options,
    option_ids,
    relabel_key,
    relabelled,
    require_keys,
    with_stem,
    wrong_answer,
)


def _pairs(value: Any) -> set[tuple[str, str]] | None:
    if not isinstance(value, list):
        return None
    pairs = set()
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            return None
        pairs.add((pair[0], pair[1]))
    return pairs if len(pairs) == len(value) else None


class Matching(ItemType):
    name, label = "matching", "matching"
    content_keys = with_stem(sources=OPTION, targets=OPTION, shuffle=PLAIN)
    supports_partial_credit = True

    def check(self, content: dict[str, Any], scoring: dict[str, Any], problems: Problems) -> None:
        sources = check_options(problems, "content.sources", content.get("sources"), minimum=1)
        targets = check_options(problems, "content.targets", content.get("targets"), minimum=1)
        check_bool(problems, "content.shuffle", content.get("shuffle"))
        pairs = _pairs(scoring.get("pairs"))
        if not pairs:
            problems.add("scoring.pairs", "must list one or more distinct [source, target] pairs")
        elif not all(s in sources and t in targets for s, t in pairs):
            problems.add("scoring.pairs", "every pair must join a source id to a target id")
        elif len({s for s, _ in pairs}) != len(pairs):
            problems.add("scoring.pairs", "each source matches one target")

    def check_answer(self, content: dict[str, Any], answer: dict[str, Any]) -> None:
        pairs = _pairs(require_keys(answer, {"pairs"})["pairs"])
        sources, targets = option_ids(content["sources"]), option_ids(content["targets"])
        if pairs is None or not all(s in sources and t in targets for s, t in pairs) \
                or len({s for s, _ in pairs}) != len(pairs):
            raise wrong_answer("must be [source, target] pairs, each source at most once", "answer.pairs")

    def fraction(self, content: dict[str, Any], scoring: dict[str, Any], answer: dict[str, Any]) -> float:
        given = _pairs(answer.get("pairs", [])) or set()
        correct = _pairs(scoring["pairs"]) or set()
        return (len(given & correct) - len(given - correct)) / len(correct)

    def shuffled_lists(self, content: dict[str, Any]) -> tuple[str, ...]:
        """Always the targets: written in the order of their sources (an imported question's are), their order
        and ids pair them."""
        return ("targets",)

    def relabel_answer(self, answer: Any, ids: Mapping[str, Mapping[str, str]]) -> Any:
        targets = ids.get("targets", {})

        def relabel_pairs(pairs: Any) -> Any:
            if not isinstance(pairs, list):
                return pairs
            return [[pair[0], relabelled(pair[1], targets)] if isinstance(pair, list | tuple) and len(pair) == 2
                    else pair for pair in pairs]

        return relabel_key(answer, "pairs", relabel_pairs)
