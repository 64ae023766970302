"""Response declarations and response processing, read into what LevelPath scoring can use.

LevelPath scores by type (a key plus all-or-nothing or partial credit), not by running QTI
expressions. So response processing is classified, not executed: a standard template, or custom
rules that either give graded scores (partial credit) or only ever a fixed score (all or nothing).
Whatever cannot be classified is replaced by match-correct, and the reader says so in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from xml.etree.ElementTree import Element

from question_bank.interchange.qti.names import child, children, descendants, text_of

SCORE = "SCORE"


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: str
    value: float
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Declaration:
    """A response declaration, values stripped of the padding some exporters add."""

    identifier: str
    cardinality: str
    base_type: str
    correct: tuple[str, ...] = ()
    mapping: tuple[MapEntry, ...] = ()


class Processing(StrEnum):
    NONE = "none"
    MATCH_CORRECT = "match_correct"
    MAP_RESPONSE = "map_response"
    GRADED = "graded"  # custom rules that give partial scores (counting, sums of mapped values)
    FIXED = "fixed"  # custom rules that only ever give full or no marks
    UNKNOWN = "unknown"


@dataclass(slots=True)
class ResponseRules:
    kind: Processing
    # Response identifier -> [(pattern, score)] for qti-pattern-match tests on that response.
    patterns: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def _number(text: str | None) -> float | None:
    try:
        return float((text or "").strip())
    except ValueError:
        return None


def read_declarations(item: Element) -> dict[str, Declaration]:
    declarations = {}
    for node in children(item, "qti-response-declaration"):
        identifier = (node.get("identifier") or "").strip()
        correct_node = child(node, "qti-correct-response")
        correct = tuple(text_of(value) for value in children(correct_node, "qti-value")) if correct_node is not None \
            else ()
        mapping_node = child(node, "qti-mapping")
        entries = []
        if mapping_node is not None:
            for entry in children(mapping_node, "qti-map-entry"):
                value = _number(entry.get("mapped-value"))
                if value is None or entry.get("map-key") is None:
                    continue
                sensitive = (entry.get("case-sensitive") or "true").strip().lower() != "false"
                entries.append(MapEntry(" ".join(entry.get("map-key", "").split()), value, sensitive))
        declarations[identifier] = Declaration(
            identifier=identifier, cardinality=(node.get("cardinality") or "single").strip(),
            base_type=(node.get("base-type") or "").strip(), correct=tuple(v for v in correct if v),
            mapping=tuple(entries))
    return declarations


def outcome_default(item: Element, identifier: str) -> str | None:
    """The (first) default value of an outcome, as written."""
    for node in children(item, "qti-outcome-declaration"):
        if (node.get("identifier") or "").strip() == identifier:
            default = child(node, "qti-default-value")
            return text_of(child(default, "qti-value")) if default is not None else None
    return None


def outcome_attribute(item: Element, identifier: str, attribute: str) -> str | None:
    for node in children(item, "qti-outcome-declaration"):
        if (node.get("identifier") or "").strip() == identifier:
            return node.get(attribute)
    return None


def _template_kind(template: str) -> Processing:
    name = template.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml").lower()
    if name in {"match_correct", "cc2_match", "cc2_match_basic"}:
        return Processing.MATCH_CORRECT
    if name in {"map_response", "cc2_map_response"}:
        return Processing.MAP_RESPONSE
    return Processing.UNKNOWN


def _counts_up(node: Element) -> bool:
    """``set X to X + something``: the shape of a rule that counts right answers."""
    target = node.get("identifier")
    return any(variable.get("identifier") == target for variable in descendants(node, "qti-variable"))


def read_processing(item: Element) -> ResponseRules:
    node = child(item, "qti-response-processing")
    if node is None:
        return ResponseRules(Processing.NONE)
    patterns: dict[str, list[tuple[str, float]]] = {}
    for condition in descendants(node, "qti-response-if", "qti-response-else-if"):
        tests = list(descendants(condition, "qti-pattern-match"))
        sets = list(children(condition, "qti-set-outcome-value"))
        value = _number(text_of(child(sets[0], "qti-base-value"))) if sets else None
        for test in tests:
            variable = child(test, "qti-variable")
            if variable is not None and test.get("pattern") is not None:
                patterns.setdefault((variable.get("identifier") or "").strip(), []).append(
                    (test.get("pattern", ""), value if value is not None else 1.0))
    template = node.get("template")
    if template and not len(node):
        return ResponseRules(_template_kind(template), patterns=patterns)
    score_sets = [s for s in descendants(node, "qti-set-outcome-value", "qti-lookup-outcome-value")
                  if (s.get("identifier") or "").strip() == SCORE]
    if not score_sets:
        return ResponseRules(Processing.UNKNOWN, patterns=patterns)
    counting = any(_counts_up(s) for s in descendants(node, "qti-set-outcome-value"))
    constants = set()
    computed = False
    for node_set in score_sets:
        expression = list(node_set)
        if node_set.tag == "qti-set-outcome-value" and len(expression) == 1 \
                and expression[0].tag == "qti-base-value":
            constants.add(_number(text_of(expression[0])))
        else:
            computed = True
    positive = {value for value in constants if value is not None and value > 0}
    if computed or counting or len(positive) > 1:
        return ResponseRules(Processing.GRADED, patterns=patterns)
    return ResponseRules(Processing.FIXED, patterns=patterns)


_GLOB_TOKEN = re.compile(r"\[([^\]\\])([^\]\\])\]|\.\*|\\(.)|(.)", re.DOTALL)
# Characters XML Schema regular expressions escape with a backslash (and that need it).
_REGEX_SPECIAL = frozenset("\\|.?*+(){}-[]^")


def _folds(char: str) -> bool:
    """Whether a character has exactly one other-case partner (so ``[xX]`` can stand for it)."""
    other = char.swapcase()
    return other != char and len(other) == 1 and other.swapcase() == char


def glob_to_pattern(accepted: str, *, case_sensitive: bool) -> str:
    """An accepted answer with ``*`` wildcards as an XML Schema regular expression (qti-pattern-match).

    XML Schema patterns have no case-insensitive flag, so each letter becomes ``[xX]``.
    """
    parts = []
    for char in accepted:
        if char == "*":
            parts.append(".*")
        elif not case_sensitive and _folds(char):
            parts.append(f"[{char}{char.swapcase()}]")
        elif char in _REGEX_SPECIAL:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


def pattern_to_glob(pattern: str) -> tuple[str, bool | None] | None:
    """The inverse of ``glob_to_pattern``: (accepted answer, case sensitive or None when it has no
    letters), or None for a regular expression that is more than a wildcard answer.
    """
    accepted: list[str] = []
    folded = exact = False
    for match in _GLOB_TOKEN.finditer(pattern):
        pair, pair_other, escaped, plain = match.groups()
        if pair is not None:
            if not _folds(pair) or pair.swapcase() != pair_other:
                return None
            accepted.append(pair)
            folded = True
        elif match.group(0) == ".*":
            accepted.append("*")
        elif escaped is not None:
            if escaped not in _REGEX_SPECIAL:
                return None  # \d, \s, \p{..}: character classes, not literal text
            accepted.append(escaped)
        else:
            if plain in _REGEX_SPECIAL - {"-", "^"}:
                return None
            accepted.append(plain)
            exact = exact or _folds(plain)
    if folded and exact:
        return None  # some letters fold case and others do not: not a plain wildcard answer
    return "".join(accepted), (not folded) if folded or exact else None
