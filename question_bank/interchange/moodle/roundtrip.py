"""Writers' side of a round trip: the LevelPath record a question needs, and the check that it comes back whole.

A writer reads every question it writes. What differs only in LevelPath's details (ids, option
order, points, speaking times) goes into the LevelPath record; anything else means the format
cannot carry the item, and the writer skips it with the reason instead of writing it lossily.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from core.errors import RuleViolation
from question_bank import item_types
from question_bank.interchange.model import ExportableItem, ImportedItem, ReadError
from question_bank.interchange.moodle.levelpath import (
    LIST_KEYS,
    SHUFFLED_TYPES,
    STRUCTURAL_CONTENT,
    STRUCTURAL_SCORING,
    CannotWrite,
    Draft,
    finish,
    id_groups,
    is_plain,
    rename_ids,
    reorder,
    spell_out,
)
from question_bank.interchange.moodle.scoring import typed
from question_bank.markup import sanitise_html


def _sanitised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sanitise_html(v) if k in {"stem", "text"} and isinstance(v, str) else _sanitised(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitised(v) for v in value]
    return value


def normalise(item_type: str, content: dict[str, Any], scoring: dict[str, Any]
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Content and scoring with every default spelled out, the shape readers produce."""
    content, scoring = _sanitised(copy.deepcopy(content)), copy.deepcopy(scoring)
    kind = item_types.get(item_type)
    scoring["points"] = float(scoring.get("points", 1))
    if kind.supports_partial_credit:
        scoring.setdefault("method", kind.default_method)
    if item_type in SHUFFLED_TYPES:
        content.setdefault("shuffle", False)
    if item_type == "true_false_not_given":
        content.setdefault("variant", "true_false_not_given")
    if item_type == "short_answer":
        scoring.setdefault("case_sensitive", False)
        scoring["accepted"] = [{**a, "text": typed(a["text"]), "fraction": float(a.get("fraction", 1.0))}
                               for a in scoring.get("accepted", [])]
    if item_type == "gap_fill":
        scoring["gaps"] = {k: {**v, "accepted": [typed(a) for a in v.get("accepted", [])],
                               "case_sensitive": v.get("case_sensitive", False)}
                           for k, v in scoring.get("gaps", {}).items()}
    return content, scoring


def same(a: Any, b: Any) -> bool:
    """Equal, with floats compared to Moodle's seven decimals."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check_valid(item: ExportableItem) -> None:
    """Raises CannotWrite for an item that breaks LevelPath's own rules: writers rely on its shape."""
    try:
        item_types.get(item.type).validate(item.content, item.scoring)
    except RuleViolation as error:
        details = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in error.errors.items())
        raise CannotWrite(f"it breaks LevelPath's rules for its type: {details or error.detail}") from None


def base_record(item: ExportableItem) -> dict[str, Any]:
    """What every record carries that Moodle has no field for: the passage (with its language and how often
    its recording may be played), the item's language, topic and expected time."""
    record: dict[str, Any] = {}
    if item.stimulus is not None:
        record["stimulus"] = {"identifier": item.stimulus.identifier, "title": item.stimulus.title}
        if item.stimulus.max_plays is not None:
            record["stimulus"]["max_plays"] = item.stimulus.max_plays
        if item.stimulus.language and item.stimulus.language != "en":
            record["stimulus"]["language"] = item.stimulus.language
    if item.language and item.language != "en":
        record["language"] = item.language
    if item.topic:
        record["topic"] = item.topic
    if item.expected_seconds is not None:
        record["expected_seconds"] = item.expected_seconds
    return record


def _spelled_defaults(item_type: str, content: dict[str, Any], scoring: dict[str, Any]) -> list[str]:
    """Which defaults inside options, gaps or answers the item writes out (``compact`` leaves them out)."""
    spelled = []
    if item_type == "true_false_not_given" and "variant" in content:
        spelled.append("variant")
    accepted = scoring.get("accepted", []) if item_type == "short_answer" else []
    if accepted and all("fraction" in a for a in accepted):
        spelled.append("fraction")
    rules = list(scoring.get("gaps", {}).values()) if item_type == "gap_fill" else []
    if rules and all("case_sensitive" in rule for rule in rules):
        spelled.append("case_sensitive")
    return spelled


def plan_record(item: ExportableItem, draft: Draft) -> dict[str, Any]:
    """The LevelPath record that makes ``draft`` (the question read back without one) equal the item.

    Raises CannotWrite when a difference lies in what the question itself must say (stem, options,
    keys): the record may add LevelPath's details, never correct the question.
    """
    record = base_record(item)
    first = finish(draft, record, validate=False)
    if isinstance(first, ReadError):
        raise CannotWrite(first.reason)
    if first.type != item.type:
        raise CannotWrite(f"it would be read back as a {first.type} item")
    original_content, original_scoring = _sanitised(copy.deepcopy(item.content)), copy.deepcopy(item.scoring)
    content, scoring = first.content, first.scoring
    have_ids = id_groups(item.type, content, scoring)
    want_ids = id_groups(item.type, original_content, original_scoring)
    if [len(g) for g in have_ids] != [len(g) for g in want_ids]:
        raise CannotWrite("its options or gaps would not be read back one for one")
    if have_ids != want_ids:
        record["ids"] = want_ids
        content, scoring = rename_ids(item.type, content, scoring, have_ids, want_ids)
    orders = {key: [e["id"] for e in original_content[key]] for key in LIST_KEYS
              if isinstance(original_content.get(key), list) and isinstance(content.get(key), list)
              and [e.get("id") for e in original_content[key]] != [e.get("id") for e in content[key]]}
    if orders:
        record["orders"] = orders
        reorder(content, orders)
    spelled = _spelled_defaults(item.type, original_content, original_scoring)
    if spelled:
        record["defaults"] = spelled
        spell_out(item.type, content, scoring, spelled)
    want = normalise(item.type, original_content, original_scoring)
    have = normalise(item.type, content, scoring)
    for section, index, structural in (("content", 0, STRUCTURAL_CONTENT), ("scoring", 1, STRUCTURAL_SCORING)):
        for key in sorted(want[index].keys() | have[index].keys()):
            if key in structural and not same(want[index].get(key), have[index].get(key)):
                raise CannotWrite(f"its {section}.{key} would change")
    for section, original, read, structural in (("content", original_content, content, STRUCTURAL_CONTENT),
                                                ("scoring", original_scoring, scoring, STRUCTURAL_SCORING)):
        changes = {}
        for key in sorted(original.keys() | read.keys()):
            if key not in structural and not same(original.get(key), read.get(key)):
                if not is_plain(original.get(key)):
                    raise CannotWrite(f"its {section}.{key} has no place in the format")
                changes[key] = original.get(key)
        if changes:
            record[section] = changes
    return record


def verify(item: ExportableItem, result: ImportedItem | ReadError) -> None:
    """Raises CannotWrite unless reading the written question gives the item back (defaults aside)."""
    if isinstance(result, ReadError):
        raise CannotWrite(result.reason)
    if result.type != item.type:
        raise CannotWrite(f"it would be read back as a {result.type} item")
    want_content, want_scoring = normalise(item.type, item.content, item.scoring)
    have_content, have_scoring = normalise(result.type, result.content, result.scoring)
    for section, want, have in (("content", want_content, have_content), ("scoring", want_scoring, have_scoring)):
        for key in sorted(want.keys() | have.keys()):
            if not same(want.get(key), have.get(key)):
                raise CannotWrite(f"its {section}.{key} would change")
    if item.stimulus is not None and (result.stimulus is None
                                      or result.stimulus.body != sanitise_html(item.stimulus.body)):
        raise CannotWrite("its passage would change")
    if item.stimulus is not None and (result.stimulus.max_plays, result.stimulus.language) != (
            item.stimulus.max_plays, item.stimulus.language or "en"):
        raise CannotWrite("its passage's play limit or language would change")
    if result.expected_seconds != item.expected_seconds:
        raise CannotWrite("its expected time would change")
