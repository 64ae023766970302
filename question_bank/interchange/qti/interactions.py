"""Each QTI interaction LevelPath can carry, mapped to a LevelPath type's content and scoring.

Mappers return everything but the stem (the item reader builds that from the body) and raise
``NotCarried`` with a reason naming the element when the source cannot be carried faithfully.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from question_bank.interchange.model import whole_number
from question_bank.interchange.qti.names import Version, children, descendants, describe, text_of
from question_bank.interchange.qti.scoring import Declaration, Processing, ResponseRules, pattern_to_glob
from question_bank.item_types.base import IDENTIFIER
from question_bank.item_types.choice import TrueFalseNotGiven

SUPPORTED = frozenset({"qti-choice-interaction", "qti-order-interaction", "qti-match-interaction",
                       "qti-text-entry-interaction", "qti-inline-choice-interaction", "qti-extended-text-interaction",
                       "qti-upload-interaction"})
DEFAULT_RUBRIC = "imported-rubric"
DEFAULT_RESPONSE_SECONDS = 120
_TFNG_WORDS = {"true": "TRUE", "false": "FALSE", "notgiven": "NOT_GIVEN"}


class NotCarried(Exception):
    """The item is well formed but LevelPath cannot carry it; the message says why."""


@dataclass(slots=True)
class Context:
    """What every mapper needs to know about the item being read."""

    version: Version
    declarations: dict[str, Declaration]
    rules: ResponseRules
    render: Callable[[Element], str]  # an element's content as a sanitised fragment
    hint: str | None = None  # a LevelPath type the source names (data-lp-type, manifest, catalogue)
    levelpath: bool = False  # written by LevelPath: exact, so no guesses are reported
    notes: list[str] = field(default_factory=list)

    def name(self, element: Element) -> str:
        return describe(element, self.version)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def declaration(self, interaction: Element) -> tuple[str, Declaration]:
        response = (interaction.get("response-identifier") or "").strip()
        declaration = self.declarations.get(response)
        if declaration is None:
            raise NotCarried(f"{self.name(interaction)} refers to response {response!r}, which is not declared")
        return response, declaration

    def method(self, *, what: str, gaps: list[str] | None = None) -> str:
        """all_or_nothing or partial, from the response processing; says what was inferred. For the
        responses ``gaps`` of a gap item, table when SCORE is looked up by how many of them are right."""
        kind = self.rules.kind
        table = self.rules.table
        if kind is Processing.TABLE and table is not None:
            if gaps is not None and sorted(gaps) == sorted(table.counted):
                if not self.levelpath:
                    self.note(f"{what} scored by a table of points per gaps right: {table.describe()} (response "
                              f"processing: SCORE looked up in its {table.source})")
                return "table"
            self.note(f"the {table.source} on SCORE is not used: " + (
                "it counts other responses than the gaps" if gaps is not None else "only gap items score by a table"))
            kind = Processing.GRADED
        for note in self.rules.notes:
            self.note(note)
        if kind in (Processing.MAP_RESPONSE, Processing.GRADED):
            method = "partial"
            reason = "map_response" if kind is Processing.MAP_RESPONSE else "custom rules that give graded scores"
        elif kind in (Processing.MATCH_CORRECT, Processing.FIXED):
            method = "all_or_nothing"
            reason = "match_correct" if kind is Processing.MATCH_CORRECT else "custom rules that give full or no marks"
        else:
            method = "all_or_nothing"
            reason = "no response processing" if kind is Processing.NONE else \
                "custom response processing replaced by match-correct"
            self.note(f"{reason}: scored against the correct response")
        if not self.levelpath and (what == "multiple response" or kind in (Processing.GRADED, Processing.FIXED)):
            credit = "partial credit" if method == "partial" else "all-or-nothing"
            self.note(f"{what} scored with {credit} (response processing: {reason})")
        return method


class Identifiers:
    """QTI identifiers made into LevelPath ids (letters, digits, _ . -), unique, remembered."""

    def __init__(self) -> None:
        self.mapped: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        raw = raw.strip()
        if raw in self.mapped:
            return self.mapped[raw]
        candidate = re.sub(r"[^A-Za-z0-9_.-]", "_", raw)[:64] or "_"
        if not IDENTIFIER.match(candidate):
            candidate = ("_" + candidate)[:64]
        base, number = candidate, 2
        while candidate in self.mapped.values():
            candidate = f"{base[:60]}_{number}"
            number += 1
        self.mapped[raw] = candidate
        return candidate


def _resolve(ctx: Context, value: str, known: dict[str, str], where: str) -> str:
    """A key value as one of the known ids; exporters sometimes change the case of one side."""
    if value in known:
        return known[value]
    folded = [raw for raw in known if raw.casefold() == value.casefold()]
    if len(folded) == 1:
        ctx.note(f"correct response {value!r} matched choice {folded[0]!r} ignoring case")
        return known[folded[0]]
    raise NotCarried(f"{where}: correct response {value!r} is not one of its choices")


def _options(ctx: Context, interaction: Element, tag: str, ids: Identifiers) -> tuple[list[dict[str, str]],
                                                                                     dict[str, str]]:
    options, known = [], {}
    for choice in children(interaction, tag):
        raw = (choice.get("identifier") or "").strip()
        text = ctx.render(choice)
        if not raw or not text:
            raise NotCarried(f"{ctx.name(interaction)} has a choice without identifier or content")
        known[raw] = ids(raw)
        options.append({"id": known[raw], "text": text})
    return options, known


def _keys(ctx: Context, declaration: Declaration, where: str) -> list[str]:
    if declaration.correct:
        return list(declaration.correct)
    positive = [entry.key for entry in declaration.mapping if entry.value > 0]
    if positive:
        ctx.note(f"{where}: no correct response declared; the mapping's positive entries were used as keys")
        return positive
    raise NotCarried(f"{where} declares no correct response")


def _flag(content: dict[str, Any], interaction: Element, attribute: str, key: str) -> None:
    if (interaction.get(attribute) or "").strip().lower() == "true":
        content[key] = True


def _count(interaction: Element, attribute: str) -> int | None:
    try:
        value = int((interaction.get(attribute) or "").strip())
    except ValueError:
        return None
    return value if value > 0 else None


def _tfng(ctx: Context, options: list[dict[str, str]]) -> dict[str, str] | None:
    """Option id -> TRUE/FALSE/NOT_GIVEN when the choices are exactly those (by id or by text)."""
    labels = {}
    for option in options:
        words = [re.sub(r"[^a-z]", "", option["id"].casefold()), re.sub(r"[^a-z]", "", option["text"].casefold())]
        label = next((_TFNG_WORDS[word] for word in words if word in _TFNG_WORDS), None)
        if label is None:
            return None
        labels[option["id"]] = label
    found = sorted(labels.values())
    if found in (sorted(["TRUE", "FALSE"]), sorted(["TRUE", "FALSE", "NOT_GIVEN"])):
        return labels
    return None


def map_choice(ctx: Context, interaction: Element) -> tuple[str, dict[str, Any], dict[str, Any]]:
    where = ctx.name(interaction)
    _response, declaration = ctx.declaration(interaction)
    options, known = _options(ctx, interaction, "qti-simple-choice", Identifiers())
    content: dict[str, Any] = {"options": options}
    _flag(content, interaction, "shuffle", "shuffle")
    keys = [_resolve(ctx, value, known, where) for value in _keys(ctx, declaration, where)]
    if declaration.cardinality != "single":
        method = ctx.method(what="multiple response")
        scoring: dict[str, Any] = {"correct": list(dict.fromkeys(keys))}
        if method != "all_or_nothing":
            scoring["method"] = method
        if method == "partial" and not ctx.levelpath:
            _note_other_mapping(ctx, {option_id: declaration.mapped(raw) for raw, option_id in known.items()},
                                scoring["correct"], "choice")
        low, high = _count(interaction, "min-choices"), _count(interaction, "max-choices")
        if low is not None:
            content["min_choices"] = low
        if high is not None and high >= len(scoring["correct"]):
            content["max_choices"] = high
        return "multiple_response", content, scoring
    if len(keys) > 1:
        ctx.note(f"{where}: {len(keys)} correct values for a single response; the first was used")
    if ctx.rules.kind is Processing.MAP_RESPONSE and not ctx.levelpath:
        credited = [raw for raw, option_id in known.items() if option_id != keys[0] and declaration.mapped(raw) > 0]
        if credited:
            ctx.note(f"the mapping's partial credit for {', '.join(map(repr, credited))} is not kept: LevelPath has "
                     "one right choice here")
    labels = _tfng(ctx, options) if ctx.hint in (None, "true_false_not_given") else None
    if labels is None:
        return "single_choice", content, {"correct": keys[0]}
    variant = "true_false_not_given" if "NOT_GIVEN" in labels.values() else "true_false"
    texts = {labels[option["id"]]: option["text"] for option in options}
    canonical = [{"id": option["id"], "text": texts[option["id"]]} for option in TrueFalseNotGiven.options_for(variant)]
    renamed = {option["id"]: labels[option["id"]] for option in options if option["id"] != labels[option["id"]]}
    if renamed:
        ctx.note("choice ids became LevelPath's: " + ", ".join(f"{old} -> {new}" for old, new in renamed.items()))
    if [labels[option["id"]] for option in options] != [option["id"] for option in canonical]:
        ctx.note("the choices were put in LevelPath's order: True, False, Not Given")
    content["options"] = canonical
    if variant != "true_false_not_given":
        content["variant"] = variant
    return "true_false_not_given", content, {"correct": labels[keys[0]]}


def map_order(ctx: Context, interaction: Element) -> tuple[str, dict[str, Any], dict[str, Any]]:
    where = ctx.name(interaction)
    _response, declaration = ctx.declaration(interaction)
    options, known = _options(ctx, interaction, "qti-simple-choice", Identifiers())
    order = [_resolve(ctx, value, known, where) for value in _keys(ctx, declaration, where)]
    if sorted(order) != sorted(option["id"] for option in options):
        raise NotCarried(f"{where}: the correct order does not list every choice exactly once")
    content: dict[str, Any] = {"options": options}
    _flag(content, interaction, "shuffle", "shuffle")
    scoring: dict[str, Any] = {"order": order}
    method = ctx.method(what="ordering")
    if method != "all_or_nothing":
        scoring["method"] = method
    return "ordering", content, scoring


def map_match(ctx: Context, interaction: Element) -> tuple[str, dict[str, Any], dict[str, Any]]:
    where = ctx.name(interaction)
    _response, declaration = ctx.declaration(interaction)
    sets = list(children(interaction, "qti-simple-match-set"))
    if len(sets) != 2:
        raise NotCarried(f"{where} needs exactly two match sets (it has {len(sets)})")
    ids = Identifiers()
    sources, source_ids = _options(ctx, sets[0], "qti-simple-associable-choice", ids)
    targets, target_ids = _options(ctx, sets[1], "qti-simple-associable-choice", ids)
    pairs: list[list[str]] = []
    for value in _keys(ctx, declaration, where):
        parts = value.split()
        if len(parts) != 2:
            raise NotCarried(f"{where}: correct response {value!r} is not a pair")
        first, second = parts
        if first in target_ids and second in source_ids:
            first, second = second, first  # a pair (not directedPair) may name either side first
        if first not in source_ids or second not in target_ids:
            raise NotCarried(f"{where}: correct pair {value!r} does not join the first set to the second")
        pairs.append([source_ids[first], target_ids[second]])
    if len({source for source, _ in pairs}) != len(pairs):
        raise NotCarried(f"{where}: a source matches more than one target; LevelPath pairs each source once")
    content: dict[str, Any] = {"sources": sources, "targets": targets}
    _flag(content, interaction, "shuffle", "shuffle")
    scoring: dict[str, Any] = {"pairs": pairs}
    method = ctx.method(what="matching")
    if method != "all_or_nothing":
        scoring["method"] = method
    if method == "partial" and not ctx.levelpath:
        worth = {(source_ids[source], target_ids[target]): declaration.mapped(f"{source} {target}")
                 for source in source_ids for target in target_ids}
        _note_other_mapping(ctx, worth, [tuple(pair) for pair in pairs], "pair")
    return "matching", content, scoring


def _note_other_mapping(ctx: Context, worth: dict[Any, float], right: list[Any], what: str) -> None:
    """Says when map_response scores otherwise than LevelPath's partial credit, which gives each right ``what``
    1/n of the points and takes 1/n away for each wrong one (never below 0): the mapping is not carried.

    ``worth``: what the mapping gives each possible response; ``right``: the correct ones.
    """
    share = worth[right[0]] if right else 0.0
    wrong = [value for response, value in worth.items() if response not in right]
    if share > 0 and all(worth[response] == share for response in right) and all(value == -share for value in wrong):
        return
    costs = sorted(set(wrong))
    ctx.note(f"the mapping's scores are not carried: LevelPath gives each right {what} 1/{len(right)} of the points "
             f"and takes as much away for each wrong one (never below 0), where the mapping gives the right ones "
             f"{', '.join(f'{worth[value]:g}' for value in right)} and a wrong one "
             f"{' or '.join(f'{cost:g}' for cost in costs)}")


def _accepted(ctx: Context, interaction: Element, response: str, declaration: Declaration
              ) -> tuple[list[tuple[str, float]], bool]:
    """Accepted answers with their share of the marks, and whether they are case-sensitive."""
    where = f"{ctx.name(interaction)} {response}"
    answers: dict[str, float] = {}
    sensitivity: set[bool] = set()
    use_mapping = ctx.rules.kind is not Processing.MATCH_CORRECT
    top = max([entry.value for entry in declaration.mapping if use_mapping] + [0.0]) or 1.0
    for value in declaration.correct:
        if not any(entry.key == value for entry in declaration.mapping) or not use_mapping:
            answers[value] = 1.0
            if value.lower() != value.upper():
                sensitivity.add(True)  # match-correct compares exactly
    for entry in declaration.mapping if use_mapping else ():
        if entry.value > 0 and entry.key:
            answers.setdefault(entry.key, entry.value / top)
            if entry.key.lower() != entry.key.upper():
                sensitivity.add(entry.case_sensitive)
    if not use_mapping and declaration.mapping:
        ctx.note(f"{where}: the mapping is not used by match_correct scoring; only the correct response counts")
    for pattern, score in ctx.rules.patterns.get(response, []):
        glob = pattern_to_glob(pattern)
        if glob is None:
            ctx.note(f"{where}: pattern {pattern!r} is a regular expression LevelPath cannot carry; not imported")
            continue
        text, sensitive = glob
        share = min(score / top, 1.0)
        answers.setdefault(text, share if share > 0 else 1.0)
        if sensitive is not None:
            sensitivity.add(sensitive)
    if not answers:
        raise NotCarried(f"{where} has no correct response or positively mapped answer")
    if len(sensitivity) > 1:
        ctx.note(f"{where}: some answers are case-sensitive and some not; read as case-insensitive")
    return list(answers.items()), sensitivity == {True}


def map_text_entries(ctx: Context, interactions: list[Element], ids: Identifiers, *, short: bool
                     ) -> tuple[str, dict[str, Any], dict[str, Any]]:
    if short:
        interaction = interactions[0]
        response, declaration = ctx.declaration(interaction)
        answers, sensitive = _accepted(ctx, interaction, response, declaration)
        accepted = [{"text": text} if share == 1.0 else {"text": text, "fraction": share} for text, share in answers]
        scoring: dict[str, Any] = {"accepted": accepted}
        if sensitive:
            scoring["case_sensitive"] = True
        method = ctx.method(what="short answer")
        if method != "partial":
            scoring["method"] = method
        content: dict[str, Any] = {}
        limit = _count(interaction, "data-lp-max-length")
        if limit is not None:
            content["max_length"] = limit
        return "short_answer", content, scoring
    gaps, rules, responses = [], {}, []
    weighted = False
    for interaction in interactions:
        response, declaration = ctx.declaration(interaction)
        answers, sensitive = _accepted(ctx, interaction, response, declaration)
        weighted = weighted or any(share != 1.0 for _, share in answers)
        gap_id = ids(response)
        gaps.append({"id": gap_id})
        responses.append(response)
        rules[gap_id] = {"accepted": [text for text, _ in answers]}
        if sensitive:
            rules[gap_id]["case_sensitive"] = True
    if weighted and not ctx.levelpath:
        ctx.note("answers mapped to different values were all accepted for the gap's full mark")
    return "gap_fill", {"gaps": gaps}, _gap_scoring(ctx, {"gaps": rules}, "gap fill", responses)


def map_inline_choices(ctx: Context, interactions: list[Element], ids: Identifiers
                       ) -> tuple[str, dict[str, Any], dict[str, Any]]:
    gaps, correct, responses = [], {}, []
    for interaction in interactions:
        response, declaration = ctx.declaration(interaction)
        where = f"{ctx.name(interaction)} {response}"
        options, known = _options(ctx, interaction, "qti-inline-choice", Identifiers())
        keys = _keys(ctx, declaration, where)
        gap_id = ids(response)
        gaps.append({"id": gap_id, "options": options})
        responses.append(response)
        correct[gap_id] = _resolve(ctx, keys[0], known, where)
    return "inline_choice", {"gaps": gaps}, _gap_scoring(ctx, {"correct": correct}, "inline choice", responses)


def _gap_scoring(ctx: Context, scoring: dict[str, Any], what: str, responses: list[str]) -> dict[str, Any]:
    """A gap item's keys with its method; a table brings its points (all gaps right earns them)."""
    method = ctx.method(what=what, gaps=responses)
    if method != "partial":
        scoring["method"] = method
    if method == "table" and ctx.rules.table is not None:
        scoring["table"] = list(ctx.rules.table.points)
        if scoring["table"][-1] != 1:
            scoring["points"] = scoring["table"][-1]
    return scoring


def rubric_of(ctx: Context, item: Element) -> str:
    """The rubric raters use: a named one (data-lp-rubric), else the scorer rubric's text."""
    blocks = [block for block in descendants(item, "qti-rubric-block") if "scorer" in (block.get("view") or "")]
    for block in blocks:
        if (block.get("data-lp-rubric") or "").strip():
            return block.get("data-lp-rubric", "").strip()
    blocks.sort(key=lambda block: (block.get("use") or "scoring") != "scoring")
    for block in blocks:
        text = text_of(block)
        if text:
            return text
    ctx.note(f"no scorer rubric in the source; the rubric is set to {DEFAULT_RUBRIC!r}")
    return DEFAULT_RUBRIC


def map_extended_text(ctx: Context, interaction: Element, item: Element) -> tuple[str, dict[str, Any],
                                                                                  dict[str, Any]]:
    content: dict[str, Any] = {}
    for attribute, key in (("data-lp-min-words", "min_words"), ("data-lp-max-words", "max_words")):
        value = whole_number(interaction.get(attribute))
        if value is not None:
            content[key] = value
    return "essay", content, {"rubric": rubric_of(ctx, item)}


def is_speaking(interaction: Element) -> bool:
    classes = (interaction.get("class") or "").split()
    mime_types = (interaction.get("type") or "").split()
    return "lp-speaking" in classes or any(mime.startswith("audio/") for mime in mime_types)


def map_upload(ctx: Context, interaction: Element, item: Element) -> tuple[str, dict[str, Any], dict[str, Any]]:
    if not is_speaking(interaction):
        kind = interaction.get("type") or "any"
        raise NotCarried(f"{ctx.name(interaction)} for {kind} files: LevelPath only takes spoken answers "
                         "(audio recordings, or class=\"lp-speaking\")")
    content: dict[str, Any] = {}
    preparation = whole_number(interaction.get("data-lp-prep-seconds"))
    if preparation is not None:
        content["preparation_seconds"] = preparation
    response = whole_number(interaction.get("data-lp-response-seconds"))
    if response is not None:
        content["response_seconds"] = response
    else:
        content["response_seconds"] = DEFAULT_RESPONSE_SECONDS
        ctx.note(f"no response time in the source; set to {DEFAULT_RESPONSE_SECONDS} seconds")
    return "speaking", content, {"rubric": rubric_of(ctx, item)}
