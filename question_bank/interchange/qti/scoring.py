"""Response declarations and response processing, read into what LevelPath scoring can use.

LevelPath scores by type (a key plus all-or-nothing or partial credit), not by running QTI
expressions. So response processing is classified, not executed: a standard template, or custom
rules that either give graded scores (partial credit) or only ever a fixed score (all or nothing).
Whatever cannot be classified is replaced by match-correct, and the reader says so in a note.
One custom shape is read exactly: rules that count the responses right one by one and look SCORE
up in its interpolation or match table (points per number of gaps right, LevelPath's ``table`` method).
"""

from __future__ import annotations

import math
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
    unmapped: float = 0.0  # the mapping's default-value: what a response it does not list maps to

    def mapped(self, key: str) -> float:
        """What map_response adds for ``key``: a choice id, or a pair (an undirected one keyed either way)."""
        keys = {key, " ".join(reversed(key.split()))} if self.base_type == "pair" else {key}
        return next((entry.value for entry in self.mapping if entry.key in keys), self.unmapped)


class Processing(StrEnum):
    NONE = "none"
    MATCH_CORRECT = "match_correct"
    MAP_RESPONSE = "map_response"
    GRADED = "graded"  # custom rules that give partial scores (counting, sums of mapped values)
    TABLE = "table"  # responses right counted one by one, SCORE looked up in its interpolation table
    FIXED = "fixed"  # custom rules that only ever give full or no marks
    UNKNOWN = "unknown"


# The tables QTI looks an outcome up in, and what a note calls them.
LOOKUP_TABLES = {"qti-interpolation-table": "interpolation table", "qti-match-table": "match table"}


@dataclass(frozen=True, slots=True)
class Table:
    """Points for 0, 1, ... len(counted) of the counted responses right."""

    counted: tuple[str, ...]
    points: tuple[int | float, ...]
    source: str = "interpolation table"  # the QTI table they came from (LOOKUP_TABLES)

    def describe(self) -> str:
        return ", ".join(f"{right} right {value:g}" for right, value in enumerate(self.points))


@dataclass(slots=True)
class ResponseRules:
    kind: Processing
    # Response identifier -> [(pattern, score)] for qti-pattern-match tests on that response.
    patterns: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    table: Table | None = None  # with kind TABLE
    notes: tuple[str, ...] = ()  # why an interpolation table could not be used


def _number(text: str | None) -> float | None:
    try:
        return float((text or "").strip())
    except ValueError:
        return None


def quantity(text: str | None) -> int | float | None:
    """A number as written: whole numbers stay int (points of 2, not 2.0)."""
    text = (text or "").strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = _number(text)
    return value if value is not None and math.isfinite(value) else None


def read_declarations(item: Element) -> dict[str, Declaration]:
    declarations = {}
    for node in children(item, "qti-response-declaration"):
        identifier = (node.get("identifier") or "").strip()
        correct_node = child(node, "qti-correct-response")
        correct = tuple(text_of(value) for value in children(correct_node, "qti-value")) if correct_node is not None \
            else ()
        mapping_node = child(node, "qti-mapping")
        entries, unmapped = [], 0.0
        if mapping_node is not None:
            default = _number(mapping_node.get("default-value"))
            unmapped = default if default is not None and math.isfinite(default) else 0.0
            for entry in children(mapping_node, "qti-map-entry"):
                value = _number(entry.get("mapped-value"))
                if value is None or entry.get("map-key") is None:
                    continue
                sensitive = (entry.get("case-sensitive") or "true").strip().lower() != "false"
                entries.append(MapEntry(" ".join(entry.get("map-key", "").split()), value, sensitive))
        declarations[identifier] = Declaration(
            identifier=identifier, cardinality=(node.get("cardinality") or "single").strip(),
            base_type=(node.get("base-type") or "").strip(), correct=tuple(v for v in correct if v),
            mapping=tuple(entries), unmapped=unmapped)
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


def declared_points(item: Element) -> int | float | None:
    """The item's points: MAXSCORE's default, else SCORE's normal-maximum (when above 0 and at most 100)."""
    for text in (outcome_default(item, "MAXSCORE"), outcome_attribute(item, "SCORE", "normal-maximum")):
        value = quantity(text)
        if value is not None and 0 < value <= 100:
            return value
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
        table = _lookup_table(item, node, score_sets)
        if isinstance(table, Table):
            return ResponseRules(Processing.TABLE, patterns=patterns, table=table)
        notes = (table,) if table else ()
        return ResponseRules(Processing.GRADED, patterns=patterns, notes=notes)
    return ResponseRules(Processing.FIXED, patterns=patterns)


def _lookup_table(item: Element, processing: Element, score_sets: list[Element]) -> Table | str | None:
    """SCORE looked up in its interpolation or match table from a count of responses right, as a Table; else a
    note on why not, or None when SCORE is not set that way at all."""
    lookups = [node for node in score_sets if node.tag == "qti-lookup-outcome-value"]
    declaration = next((node for node in children(item, "qti-outcome-declaration")
                        if (node.get("identifier") or "").strip() == SCORE), None)
    source = next(children(declaration, *LOOKUP_TABLES), None) if declaration is not None else None
    if not lookups or source is None:
        return None
    why = _table_points(item, processing, score_sets, lookups[0], source)
    if isinstance(why, Table):
        return why
    return f"the {LOOKUP_TABLES[source.tag]} on SCORE is not used: {why}"


def _table_points(item: Element, processing: Element, score_sets: list[Element], lookup: Element,
                  source: Element) -> Table | str:
    """The points per count of responses right that ``source`` gives; else why it gives none LevelPath can use."""
    steps = list(processing)
    if len(score_sets) > 1 or lookup not in steps:
        return "SCORE is also set elsewhere, or looked up only under a condition"
    variables = list(lookup)
    if len(variables) != 1 or variables[0].tag != "qti-variable":
        return "SCORE is not looked up from a single variable"
    counted = _counted(item, processing, (variables[0].get("identifier") or "").strip(), steps.index(lookup))
    if isinstance(counted, str):
        return counted
    default = quantity(source.get("default-value")) if source.get("default-value") is not None else 0
    if default is None:
        return "its default-value is not a number"
    entries = []
    for entry in children(source, f"{source.tag}-entry"):
        low, target = quantity(entry.get("source-value")), quantity(entry.get("target-value"))
        if low is None or target is None:
            return "an entry's source-value or target-value is not a number"
        strict = (entry.get("include-boundary") or "true").strip().lower() == "false"
        entries.append((low, target, strict))
    if source.tag == "qti-match-table":  # the entry whose source is the count itself
        points = tuple(next((target for low, target, _ in entries if low == right), default)
                       for right in range(len(counted) + 1))
    else:  # the first entry, in document order, whose source the count reaches
        points = tuple(next((target for low, target, strict in entries if (low < right if strict else low <= right)),
                            default) for right in range(len(counted) + 1))
    return _usable(item, Table(counted, points, LOOKUP_TABLES[source.tag]))


def _counted(item: Element, processing: Element, counter: str, lookup_at: int) -> tuple[str, ...] | str:
    """The responses ``counter`` counts, one rule each before the lookup; else why it is not such a count."""
    declarations = read_declarations(item)
    default = outcome_default(item, counter)
    if counter in declarations or (default is not None and quantity(default) != 0):
        return f"{counter} is not a count that starts at 0"
    parents = {node: parent for parent in processing.iter() for node in parent}
    counted: list[str] = []
    for node in descendants(processing, "qti-set-outcome-value", "qti-lookup-outcome-value"):
        if (node.get("identifier") or "").strip() != counter:
            continue
        branch = parents[node]
        condition = parents.get(branch)
        terms = list(child(node, "qti-sum")) if len(node) == 1 and child(node, "qti-sum") is not None else []
        adds_one = len(terms) == 2 and {term.tag for term in terms} == {"qti-variable", "qti-base-value"} \
            and any((term.get("identifier") or "").strip() == counter for term in terms) \
            and any(_number(text_of(term)) == 1 for term in terms if term.tag == "qti-base-value")
        if not adds_one or branch.tag != "qti-response-if" or condition is None \
                or parents.get(condition) is not processing or list(processing).index(condition) > lookup_at:
            return f"{counter} does not count the responses right one by one before SCORE is looked up"
        response = _tested_response(branch[0], declarations)
        if response is None:
            return f"a rule adding to {counter} does not test one response for its right answer"
        if response in counted:
            return f"{counter} counts response {response} more than once"
        counted.append(response)
    if not counted:
        return f"nothing adds to {counter}"
    return tuple(counted)


def _tested_response(test: Element, declarations: dict[str, Declaration]) -> str | None:
    """The response a rule's test finds right: it matches its correct value, maps to a full mark or matches a
    pattern (or any of these, with qti-or); None for any other test."""
    parts = list(test)
    if test.tag == "qti-or":
        found = {_tested_response(part, declarations) for part in parts}
        return found.pop() if len(found) == 1 and None not in found else None
    named = [(part.get("identifier") or "").strip() for part in parts
             if part.tag in ("qti-variable", "qti-map-response")]
    response = named[0] if len(named) == 1 and named[0] in declarations else None
    if response is None:
        return None
    tags = sorted(part.tag for part in parts)
    if test.tag == "qti-match" and tags == ["qti-base-value", "qti-variable"]:
        value = text_of(next(part for part in parts if part.tag == "qti-base-value"))
        return response if value in declarations[response].correct else None
    if test.tag == "qti-match" and tags == ["qti-correct", "qti-variable"]:
        return response if all((part.get("identifier") or "").strip() == response for part in parts) else None
    if test.tag == "qti-gte" and [part.tag for part in parts] == ["qti-map-response", "qti-base-value"]:
        return response if _number(text_of(parts[1])) == 1 else None
    return response if test.tag == "qti-pattern-match" and tags == ["qti-variable"] else None


def _usable(item: Element, table: Table) -> Table | str:
    """The table when LevelPath can score by it: values 0..points, all right earning the most."""
    points, everything = table.points, table.points[-1]
    if any(value < 0 for value in points) or everything <= 0 or everything != max(points):
        return f"all {len(table.counted)} right must earn the most points, and none below 0 ({table.describe()})"
    if everything > 100:
        return f"all {len(table.counted)} right earns {everything:g} points, more than LevelPath's 100"
    declared = declared_points(item)
    if declared is not None and declared != everything:
        return f"the item is worth {declared:g} points, but all {len(table.counted)} right earns {everything:g}"
    return table


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
