"""Readers for the rule data's sections: scalars, regulations, frameworks, certificate kinds, tables.

Each reader raises Problem with what is wrong; the loader records it with its path and carries on,
so one load reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from assessment.rules.conversion import (
    CertificateKind,
    Condition,
    ConversionRow,
    ConversionTable,
    GradeCondition,
    HeldCondition,
    RangeCondition,
    ScaleKind,
    SubscoreCondition,
    SubscoreMatch,
    UnconfirmedThreshold,
)
from assessment.rules.errors import InvalidScore
from assessment.rules.frameworks import Framework, Level, Tier
from assessment.rules.types import STATUSES, Provenance, Regulation, ScoreRange, ScoreScale


class Problem(Exception):
    """One thing wrong with the data at one path; collected, then raised together."""


@dataclass
class Context:
    problems: list[str] = field(default_factory=list)

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Record a problem raised inside and carry on with the next item."""
        try:
            yield
        except Problem as problem:
            self.problems.append(f"{path}: {problem}")


def read_mapping(value: Any, what: str = "a mapping") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Problem(f"expected {what}, got {type(value).__name__}")
    return value


def read_fields(value: Any, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    """A mapping with exactly the known keys, so a misspelt key is an error rather than a silent default."""
    data = read_mapping(value)
    missing = [key for key in required if key not in data]
    unknown = [str(key) for key in data if key not in required and key not in optional]
    problems = [f"missing {', '.join(missing)}"] if missing else []
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(required + optional)}")
    if problems:
        raise Problem("; ".join(problems))
    return data


def read_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise Problem(f"expected a non-empty list, got {value!r}")
    return value


def read_text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Problem(f"{key} must be non-empty text, got {value!r}")
    return value.strip()


def read_optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else read_text(data[key], key)


def read_decimal(value: Any, key: str) -> Decimal:
    if isinstance(value, float):
        raise Problem(f"{key}: write {value!r} in quotes; YAML reads it as a binary float")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Problem(f"{key} must be a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Problem(f"{key} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise Problem(f"{key} must be finite")
    return number


def read_fraction(value: Any, key: str) -> Fraction:
    """An exact weight such as "1/3" (a decimal would already be rounded)."""
    if isinstance(value, str) and "/" in value:
        try:
            return Fraction(value.replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            raise Problem(f"{key} must be a fraction like '1/3', got {value!r}") from None
    return Fraction(read_decimal(value, key))


def read_date(value: Any, key: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise Problem(f"{key} must be a date written YYYY-MM-DD, got {value!r}")
    return value


def read_optional_date(data: Mapping[str, Any], key: str) -> date | None:
    return None if data.get(key) is None else read_date(data[key], key)


def read_status(value: Any) -> str:
    status = read_text(value, "status")
    if status not in STATUSES:
        raise Problem(f"status {status!r} is not one of {', '.join(sorted(STATUSES))}")
    return status


def read_scale(value: Any, key: str) -> ScoreScale:
    data = read_fields(value, required=("min", "max"), optional=("step",))
    scale = ScoreScale(read_decimal(data["min"], f"{key}.min"), read_decimal(data["max"], f"{key}.max"),
                       None if data.get("step") is None else read_decimal(data["step"], f"{key}.step"))
    if scale.minimum >= scale.maximum and not (scale.minimum == scale.maximum and scale.step is not None):
        raise Problem(f"{key}: min must be below max")
    if scale.step is not None and scale.step <= 0:
        raise Problem(f"{key}: step must be positive")
    return scale


def read_range(value: Any, key: str) -> ScoreRange:
    data = read_fields(value, optional=("min", "max", "min_exclusive", "max_exclusive"))
    low = None if data.get("min") is None else read_decimal(data["min"], f"{key}.min")
    high = None if data.get("max") is None else read_decimal(data["max"], f"{key}.max")
    if low is None and high is None:
        raise Problem(f"{key}: give min, max or both")
    if low is not None and high is not None and low > high:
        raise Problem(f"{key}: min {low} is above max {high}")
    exclusive = {flag: data.get(flag, False) for flag in ("min_exclusive", "max_exclusive")}
    if not all(isinstance(value, bool) for value in exclusive.values()):
        raise Problem(f"{key}: min_exclusive and max_exclusive must be true or false")
    return ScoreRange(low, high, min_inclusive=not exclusive["min_exclusive"],
                      max_inclusive=not exclusive["max_exclusive"])


def read_regulation(regulation_id: str, value: Any) -> Regulation:
    data = read_fields(value, required=("instrument", "title", "status"),
                       optional=("issued", "in_force", "sources", "note", "replaces"))
    sources = data.get("sources") or []
    if not isinstance(sources, list):
        raise Problem("sources must be a list")
    return Regulation(id=regulation_id, instrument=read_text(data["instrument"], "instrument"),
                      title=read_text(data["title"], "title"), status=read_status(data["status"]),
                      issued=read_optional_date(data, "issued"), in_force=read_optional_date(data, "in_force"),
                      sources=tuple(read_text(source, "sources") for source in sources),
                      note=read_optional_text(data, "note"), replaces=read_optional_text(data, "replaces"))


def read_provenance(value: Any, regulations: Mapping[str, Regulation]) -> Provenance:
    data = read_fields(value, required=("regulation", "status"), optional=("provision", "url", "quote", "note"))
    regulation_id = read_text(data["regulation"], "regulation")
    if regulation_id not in regulations:
        raise Problem(f"source.regulation {regulation_id!r} is not in regulations")
    return Provenance(regulation=regulations[regulation_id], status=read_status(data["status"]),
                      provision=read_optional_text(data, "provision"), source=read_optional_text(data, "url"),
                      quote=read_optional_text(data, "quote"), note=read_optional_text(data, "note"))


def read_framework(framework_id: str, value: Any, regulations: Mapping[str, Regulation]) -> Framework:
    data = read_fields(value, required=("name_vi", "name_en", "source", "tiers", "levels"))
    tiers = {}
    for code, tier in read_mapping(data["tiers"]).items():
        labels = read_fields(tier, required=("label_vi", "label_en"))
        tiers[code] = Tier(code, read_text(labels["label_vi"], "label_vi"), read_text(labels["label_en"], "label_en"))
    levels = []
    for rank, item in enumerate(read_list(data["levels"])):
        level = read_fields(item, required=("code", "cefr", "label_vi", "label_en"),
                            optional=("number", "tier", "note"))
        number = level.get("number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            raise Problem(f"levels[{rank}].number must be a whole number or absent")
        tier = level.get("tier")
        if tier is not None and tier not in tiers:
            raise Problem(f"levels[{rank}].tier {tier!r} is not one of {', '.join(tiers)}")
        levels.append(Level(framework_id=framework_id, code=read_text(str(level["code"]), "code"), rank=rank,
                            number=number, cefr=read_text(level["cefr"], "cefr"),
                            tier=tiers[tier] if tier is not None else None,
                            label_vi=read_text(level["label_vi"], "label_vi"),
                            label_en=read_text(level["label_en"], "label_en"),
                            note=read_optional_text(level, "note")))
    for attribute in ("code", "number", "cefr"):
        values = [getattr(level, attribute) for level in levels if getattr(level, attribute) is not None]
        if len(values) != len(set(values)):
            raise Problem(f"two levels share a {attribute}")
    numbers = [level.number for level in levels if level.number is not None]
    if numbers != sorted(numbers):
        raise Problem("levels must be listed from lowest to highest")
    return Framework(id=framework_id, name_vi=read_text(data["name_vi"], "name_vi"),
                     name_en=read_text(data["name_en"], "name_en"),
                     provenance=read_provenance(data["source"], regulations), levels=tuple(levels))


def read_certificate_kind(kind_id: str, value: Any) -> CertificateKind:
    scales = ("scale", "subscores", "grades", "national_levels")
    data = read_fields(value, required=("name", "language"), optional=(*scales, "source"))
    given = [key for key in scales if key in data]
    if len(given) != 1:
        raise Problem(f"give exactly one of {', '.join(scales)}")
    common = {"id": kind_id, "name": read_text(data["name"], "name"),
              "language": read_text(data["language"], "language"),
              "source": read_optional_text(data, "source")}
    if "scale" in data:
        return CertificateKind(scale_kind=ScaleKind.NUMERIC, scale=read_scale(data["scale"], "scale"), **common)
    if "subscores" in data:
        subscores = tuple((name, read_scale(scale, f"subscores.{name}"))
                          for name, scale in read_mapping(data["subscores"]).items())
        return CertificateKind(scale_kind=ScaleKind.SUBSCORES, subscores=subscores, **common)
    if "grades" in data:
        grades = tuple(read_text(grade, "grades") for grade in read_list(data["grades"]))
        return CertificateKind(scale_kind=ScaleKind.GRADE, grades=grades, **common)
    levels = read_list(data["national_levels"])
    if not all(isinstance(level, int) and not isinstance(level, bool) for level in levels) or \
            levels != list(range(levels[0], levels[-1] + 1)):
        raise Problem("national_levels must be consecutive whole numbers")
    scale = ScoreScale(Decimal(levels[0]), Decimal(levels[-1]), Decimal(1))
    return CertificateKind(scale_kind=ScaleKind.NATIONAL_LEVEL, scale=scale, **common)


def _row(index: int, value: Any, kinds: Mapping[str, CertificateKind], framework: Framework) -> list[ConversionRow]:
    conditions = ("score", "subscores", "grade", "grade_at_least", "held", "threshold_not_confirmed")
    data = read_fields(value, required=("level",),
                       optional=("certificate", "certificates", *conditions, "level_basis", "note"))
    if ("certificate" in data) == ("certificates" in data):
        raise Problem(f"rows[{index}]: give certificate or certificates")
    listed = read_list(data["certificates"]) if "certificates" in data else [data["certificate"]]
    names = [read_text(name, "certificate") for name in listed]
    level = data["level"]
    if isinstance(level, bool) or not any(level == known.number for known in framework.levels):
        raise Problem(f"rows[{index}]: framework {framework.id} has no level {level!r}")
    basis = data.get("level_basis", "stated")
    if basis not in ("stated", "inferred"):
        raise Problem(f"rows[{index}]: level_basis must be stated or inferred")
    given = [key for key in conditions if key in data]
    if len(given) != 1:
        raise Problem(f"rows[{index}]: give exactly one of {', '.join(conditions)}")
    rows = []
    for name in names:
        if name not in kinds:
            raise Problem(f"rows[{index}]: certificate {name!r} is not in certificate_kinds")
        condition = _condition(f"rows[{index}]", given[0], data[given[0]], kinds[name])
        rows.append(ConversionRow(certificate=name, level=level, condition=condition, level_basis=basis,
                                  note=read_optional_text(data, "note")))
    return rows


def _condition(path: str, key: str, value: Any, kind: CertificateKind) -> Condition:
    wanted = {"score": ScaleKind.NUMERIC, "subscores": ScaleKind.SUBSCORES, "grade": ScaleKind.GRADE,
              "grade_at_least": ScaleKind.GRADE}
    if key in wanted and kind.scale_kind is not wanted[key]:
        raise Problem(f"{path}: {kind.id} has a {kind.scale_kind.value} scale, so a {key} condition cannot apply")
    if key == "score":
        score_range = read_range(value, f"{path}.score")
        assert kind.scale is not None
        _within(score_range, kind.scale, f"{path}.score")
        return RangeCondition(score_range)
    if key == "subscores":
        ranges = []
        known = dict(kind.subscores)
        for expression, spec in read_mapping(value).items():
            parts = expression.split("+")
            if any(part not in known for part in parts):
                raise Problem(f"{path}.subscores: {expression!r} names a sub-score {kind.id} does not have")
            score_range = read_range(spec, f"{path}.subscores.{expression}")
            if len(parts) == 1:
                _within(score_range, known[parts[0]], f"{path}.subscores.{expression}")
            ranges.append((expression, score_range))
        return SubscoreCondition(tuple(ranges))
    if key in ("grade", "grade_at_least"):
        try:
            rank = kind.grade_rank(read_text(value, key))
        except InvalidScore as error:  # its message names the known grades
            raise Problem(f"{path}: {error.detail}") from None
        return GradeCondition(grade=value, rank=rank, at_least=key == "grade_at_least")
    if key == "held":
        if value is not True:
            raise Problem(f"{path}.held must be true")
        return HeldCondition()
    return UnconfirmedThreshold(read_text(value, "threshold_not_confirmed"))


def _within(score_range: ScoreRange, scale: ScoreScale, path: str) -> None:
    """A row bound outside the certificate's own scale is a typo (IELTS 55 for 5.5)."""
    for bound in (score_range.minimum, score_range.maximum):
        if bound is not None and not scale.minimum <= bound <= scale.maximum:
            raise Problem(f"{path}: {bound} is outside the certificate's scale {scale.minimum}-{scale.maximum}")


def _ranges_overlap(a: ScoreRange, b: ScoreRange) -> bool:
    """Whether two closed-topped ranges share a value (minimum-only rows may overlap by design)."""
    if a.maximum is None or b.maximum is None:
        return False
    def start(r: ScoreRange) -> Decimal:
        return Decimal("-Infinity") if r.minimum is None else r.minimum

    low, high = (a, b) if start(a) <= start(b) else (b, a)
    assert low.maximum is not None
    if high.minimum is None:
        return True
    return high.minimum < low.maximum or (high.minimum == low.maximum and low.max_inclusive and high.min_inclusive)


def _check_overlaps(rows: list[ConversionRow]) -> None:
    for position, row in enumerate(rows):
        for other in rows[position + 1:]:
            if other.certificate != row.certificate or other.level == row.level:
                continue
            a, b = row.condition, other.condition
            clash = False
            if isinstance(a, RangeCondition) and isinstance(b, RangeCondition):
                clash = _ranges_overlap(a.range, b.range)
            elif isinstance(a, SubscoreCondition) and isinstance(b, SubscoreCondition):
                ranges_b = dict(b.ranges)
                clash = dict(a.ranges).keys() == ranges_b.keys() and all(
                    _ranges_overlap(range_a, ranges_b[name]) for name, range_a in a.ranges)
            elif isinstance(a, GradeCondition) and isinstance(b, GradeCondition):
                clash = a.rank == b.rank and not (a.at_least or b.at_least)
            if clash:
                raise Problem(f"rows for {row.certificate} at levels {row.level} and {other.level} overlap")


def read_table(table_id: str, value: Any, *, regulations: Mapping[str, Regulation],
               frameworks: Mapping[str, Framework], kinds: Mapping[str, CertificateKind]) -> ConversionTable:
    data = read_fields(value, required=("title", "framework", "source", "rows"),
                       optional=("subscore_match", "effect", "above_note", "choice"))
    framework_id = read_text(data["framework"], "framework")
    if framework_id not in frameworks:
        raise Problem(f"framework {framework_id!r} is not in frameworks")
    rows = [row for index, item in enumerate(read_list(data["rows"]))
            for row in _row(index, item, kinds, frameworks[framework_id])]
    _check_overlaps(rows)
    try:
        match = SubscoreMatch(data.get("subscore_match", SubscoreMatch.WITHIN_ROW.value))
    except ValueError:
        raise Problem(f"subscore_match must be one of {', '.join(m.value for m in SubscoreMatch)}") from None
    return ConversionTable(id=table_id, title=read_text(data["title"], "title"), framework_id=framework_id,
                           provenance=read_provenance(data["source"], regulations), rows=tuple(rows),
                           subscore_match=match, effect=read_optional_text(data, "effect"),
                           above_note=read_optional_text(data, "above_note"), choice=read_optional_text(data, "choice"))


