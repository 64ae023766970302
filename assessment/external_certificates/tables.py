"""The documented conversion tables and certificate kinds, described for HR (what a record is converted by)."""

from __future__ import annotations

from datetime import date
from typing import Any

from assessment.rules import ConversionTable, RuleBook, ScaleKind
from assessment.rules import default_rulebook as rulebook
from assessment.rules.conversion import (
    GradeCondition,
    HeldCondition,
    RangeCondition,
    SubscoreCondition,
    UnconfirmedThreshold,
)
from assessment.rules.rulebook import CONVERSION_PREFIX
from assessment.rules.types import ScoreScale
from core.errors import RuleViolation


def _scale(scale: ScoreScale) -> dict[str, str | None]:
    return {"min": str(scale.minimum), "max": str(scale.maximum),
            "step": str(scale.step) if scale.step is not None else None}


def describe_kinds(book: RuleBook | None = None) -> list[dict[str, Any]]:
    """Every certificate kind HR may record, with how its score is written."""
    kinds = []
    for kind in (book or rulebook()).certificate_kinds:
        entry: dict[str, Any] = {"id": kind.id, "name": kind.name, "language": kind.language,
                                 "score_kind": str(kind.scale_kind), "source": kind.source}
        if kind.scale_kind is ScaleKind.SUBSCORES:
            entry["subscores"] = {name: _scale(scale) for name, scale in kind.subscores}
        elif kind.scale_kind is ScaleKind.GRADE:
            entry["grades"] = list(kind.grades)
        elif kind.scale is not None:
            entry["scale"] = _scale(kind.scale)
        kinds.append(entry)
    return kinds


def _condition(row_condition: object) -> str:
    match row_condition:
        case RangeCondition(range=score_range):
            return f"score {score_range.describe()}"
        case SubscoreCondition(ranges=ranges):
            return ", ".join(f"{name} {score_range.describe()}" for name, score_range in ranges)
        case GradeCondition(grade=grade, at_least=at_least):
            return f"grade {grade}{' or higher' if at_least else ''}"
        case HeldCondition():
            return "held (a pass; no score named)"
        case UnconfirmedThreshold(note=note):
            return f"no confirmed threshold: {note}"
    return str(row_condition)


def _table(table: ConversionTable, book: RuleBook) -> dict[str, Any]:
    names = {kind.id: kind.name for kind in book.certificate_kinds}
    return {
        "id": table.id, "title": table.title, "framework": table.framework_id,
        "regulation": {"id": table.provenance.regulation.id, "instrument": table.provenance.regulation.instrument,
                       "title": table.provenance.regulation.title},
        "citation": table.provenance.cite(), "source": table.provenance.source, "effect": table.effect,
        "choice": table.choice, "above_note": table.above_note,
        "rows": [{"certificate": row.certificate, "certificate_name": names.get(row.certificate, row.certificate),
                  "level": row.level, "condition": _condition(row.condition), "level_basis": row.level_basis,
                  "note": row.note} for row in table.rows],
    }


def describe_conversions(on: date, purpose: str | None = None, book: RuleBook | None = None) -> list[dict[str, Any]]:
    """For each purpose (or one), the table in force on ``on`` and the rule version that makes it apply.

    Raises RuleViolation for an unknown purpose; a purpose with no table in force that day says so.
    """
    book = book or rulebook()
    if purpose is not None and purpose not in book.purposes:
        raise RuleViolation(f"no equivalence table for purpose {purpose!r}; purposes: {', '.join(book.purposes)}",
                            field="purpose")
    described = []
    for name in [purpose] if purpose else book.purposes:
        rule_id = CONVERSION_PREFIX + name
        version = next((v for v in book.versions(rule_id) if v.in_force_on(on)), None)
        entry: dict[str, Any] = {"purpose": name, "on": on, "rule": rule_id, "in_force": version is not None}
        if version is not None and isinstance(version.payload, ConversionTable):
            entry.update({"rule_version": version.ref, "applies_under": version.provenance.cite(),
                          "table": _table(version.payload, book)})
        described.append(entry)
    return described
