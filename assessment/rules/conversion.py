"""Equivalence tables for certificates issued elsewhere (IELTS, TOEFL, TOEIC, Cambridge, ...), as values.

A table belongs to one regulation and one purpose (FACTS §4.2: master's, doctoral, legacy,
high-school exemption) and lists rows "this certificate, this score -> this level". Ranges are
closed or open exactly as the table prints them; a score that no row holds converts to no level,
with the reason. No table here reaches level 5 or 6: no regulation sets those (FACTS §4.2 E).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from assessment.rules.errors import InvalidScore
from assessment.rules.numbers import Number
from assessment.rules.types import Provenance, ScoreRange, ScoreScale


class ScaleKind(enum.StrEnum):
    NUMERIC = "numeric"  # one score, e.g. IELTS 6.5
    SUBSCORES = "subscores"  # several scores that must all meet a row, e.g. TOEIC 4 skills
    GRADE = "grade"  # a named result, e.g. JLPT N3, DELF B2
    NATIONAL_LEVEL = "national_level"  # a level of the national framework itself, e.g. VSTEP Bậc 4


class Outcome(enum.StrEnum):
    MATCHED = "matched"
    NOT_LISTED = "not_listed"  # the table has no row for this certificate
    THRESHOLD_NOT_CONFIRMED = "threshold_not_confirmed"  # listed, but the source gives no usable threshold
    BELOW_TABLE = "below_table"
    ABOVE_TABLE = "above_table"
    BETWEEN_ROWS = "between_rows"
    SUBSCORES_SPLIT = "subscores_split"  # sub-scores fall in different rows


class SubscoreMatch(enum.StrEnum):
    WITHIN_ROW = "within_row"  # every sub-score inside the row's range (the table read literally)
    AT_LEAST_ROW_MINIMUM = "at_least_row_minimum"  # every sub-score at least the row's lower bound


@dataclass(frozen=True)
class CertificateKind:
    """A certificate that HR may record: how its score is written and which values are possible."""

    id: str
    name: str
    language: str
    scale_kind: ScaleKind
    scale: ScoreScale | None = None
    subscores: tuple[tuple[str, ScoreScale], ...] = ()
    grades: tuple[str, ...] = ()
    source: str | None = None

    def grade_rank(self, grade: str) -> int:
        """Position of a grade among this certificate's grades; raises InvalidScore for an unknown one."""
        wanted = normalise_grade(grade)
        for rank, known in enumerate(self.grades):
            if normalise_grade(known) == wanted:
                return rank
        raise InvalidScore(f"{self.name} has no result {grade!r}; known: {', '.join(self.grades)}", field="score")


Score: TypeAlias = Number | Mapping[str, Number] | None


@dataclass(frozen=True)
class ReadScore:
    """A certificate's score after validation: one exact number, exact sub-scores, or a grade's rank."""

    shown: str
    value: Fraction | None = None
    subscores: Mapping[str, Fraction] | None = None
    grade_rank: int | None = None


def normalise_grade(grade: str) -> str:
    return "".join(ch for ch in grade.casefold() if ch.isalnum())


def read_score(kind: CertificateKind, score: Score) -> ReadScore:
    """Validate a score against its certificate's scale; raises InvalidScore."""
    if score is None:
        return ReadScore(shown="(no score given)")
    if kind.scale_kind is ScaleKind.SUBSCORES:
        if not isinstance(score, Mapping):
            raise InvalidScore(f"{kind.name} needs the sub-scores {', '.join(n for n, _ in kind.subscores)}",
                               field="score")
        names = [name for name, _ in kind.subscores]
        if set(score) != set(names):
            raise InvalidScore(f"{kind.name} needs exactly the sub-scores {', '.join(names)}, "
                               f"got {', '.join(score)}", field="score")
        values = {name: scale.check(score[name], field=f"score.{name}") for name, scale in kind.subscores}
        shown = ", ".join(f"{name} {score[name]}" for name in names)
        return ReadScore(shown=shown, subscores=values)
    if isinstance(score, Mapping):
        raise InvalidScore(f"{kind.name} has a single score, not sub-scores", field="score")
    if kind.scale_kind is ScaleKind.GRADE:
        if not isinstance(score, str):
            raise InvalidScore(f"{kind.name} results are named grades ({', '.join(kind.grades)})", field="score")
        return ReadScore(shown=score.strip(), grade_rank=kind.grade_rank(score))
    assert kind.scale is not None  # the loader gives numeric and national-level kinds a scale
    value = kind.scale.check(score, field="score")
    return ReadScore(shown=str(score).strip(), value=value)


class Position(enum.Enum):
    BELOW = "below"
    INSIDE = "inside"
    ABOVE = "above"
    SPLIT = "split"


@dataclass(frozen=True)
class RangeCondition:
    """The single score lies in a range."""

    range: ScoreRange

    def position(self, score: ReadScore, match: SubscoreMatch) -> tuple[Position, str]:
        assert score.value is not None
        if self.range.contains(score.value):
            if self.range.maximum is None:
                return Position.INSIDE, f"reaches the minimum {self.range.minimum}"
            return Position.INSIDE, f"is in {self.range.describe()}"
        if self.range.above(score.value):
            return Position.ABOVE, f"above {self.range.describe()}"
        return Position.BELOW, f"below {self.range.describe()}"


@dataclass(frozen=True)
class SubscoreCondition:
    """Every sub-score (or sum of sub-scores, written "listening+reading") lies in its range."""

    ranges: tuple[tuple[str, ScoreRange], ...]

    def position(self, score: ReadScore, match: SubscoreMatch) -> tuple[Position, str]:
        assert score.subscores is not None
        ignore_maximum = match is SubscoreMatch.AT_LEAST_ROW_MINIMUM
        positions, failures = set(), []
        for expression, allowed in self.ranges:
            value = sum((score.subscores[part] for part in expression.split("+")), Fraction(0))
            if allowed.contains(value, ignore_maximum=ignore_maximum):
                positions.add(Position.INSIDE)
                continue
            where = Position.ABOVE if allowed.above(value) else Position.BELOW
            positions.add(where)
            failures.append(f"{expression} {_show(value)} is {where.value} {allowed.describe()}")
        if not failures:
            return Position.INSIDE, "every sub-score meets the row"
        position = positions.pop() if len(positions) == 1 else Position.SPLIT
        return position, "; ".join(failures)


@dataclass(frozen=True)
class GradeCondition:
    """The result is a named grade, or (``at_least``) that grade or a higher one."""

    grade: str
    rank: int
    at_least: bool = False

    def position(self, score: ReadScore, match: SubscoreMatch) -> tuple[Position, str]:
        assert score.grade_rank is not None
        wanted = f"{self.grade} or higher" if self.at_least else self.grade
        if score.grade_rank == self.rank or (self.at_least and score.grade_rank > self.rank):
            return Position.INSIDE, f"is {wanted}"
        return (Position.ABOVE if score.grade_rank > self.rank else Position.BELOW), f"is not {wanted}"


@dataclass(frozen=True)
class HeldCondition:
    """The table names the certificate without a score: holding it (a pass) is the condition."""

    def position(self, score: ReadScore, match: SubscoreMatch) -> tuple[Position, str]:
        return Position.INSIDE, "is named by the table without a score (a pass is required; HR checks the grade)"


@dataclass(frozen=True)
class UnconfirmedThreshold:
    """The source lists the certificate but gives no threshold we could confirm; never matches."""

    note: str

    def position(self, score: ReadScore, match: SubscoreMatch) -> tuple[Position, str]:
        return Position.BELOW, self.note


Condition: TypeAlias = RangeCondition | SubscoreCondition | GradeCondition | HeldCondition | UnconfirmedThreshold


@dataclass(frozen=True)
class ConversionRow:
    certificate: str
    level: int
    condition: Condition
    level_basis: str = "stated"  # "inferred" when the source gives a threshold but not the level it stands for
    note: str | None = None


@dataclass(frozen=True)
class ConversionTable:
    """One regulation's table for one purpose."""

    id: str
    title: str
    framework_id: str
    provenance: Provenance
    rows: tuple[ConversionRow, ...]
    subscore_match: SubscoreMatch = SubscoreMatch.WITHIN_ROW
    effect: str | None = None
    above_note: str | None = None
    choice: str | None = None

    def rows_for(self, certificate: str) -> tuple[ConversionRow, ...]:
        return tuple(row for row in self.rows if row.certificate == certificate)


@dataclass(frozen=True)
class Match:
    """What a table says about one score: the level (or None), why, and the row that decided it."""

    outcome: Outcome
    level: int | None
    reason: str
    row: ConversionRow | None = None


def evaluate(table: ConversionTable, kind: CertificateKind, score: ReadScore) -> Match:
    """Find the row a score falls in; the highest level wins when minimum-only rows overlap."""
    rows = table.rows_for(kind.id)
    if not rows:
        return Match(Outcome.NOT_LISTED, None, f"{table.title} does not list {kind.name}")
    usable = [row for row in rows if not isinstance(row.condition, UnconfirmedThreshold)]
    if not usable:
        notes = "; ".join(row.condition.note for row in rows if isinstance(row.condition, UnconfirmedThreshold))
        return Match(Outcome.THRESHOLD_NOT_CONFIRMED, None, f"{kind.name} is listed without a confirmed threshold: "
                                                            f"{notes}")
    needs_score = any(not isinstance(row.condition, HeldCondition) for row in usable)
    if needs_score and score.value is None and score.subscores is None and score.grade_rank is None:
        raise InvalidScore(f"{table.title} converts {kind.name} by its score; give the score", field="score")
    checked = []
    for row in usable:
        position, reason = row.condition.position(score, table.subscore_match)
        checked.append((row, position, reason))
    inside = [(row, reason) for row, position, reason in checked if position is Position.INSIDE]
    if inside:
        row, reason = max(inside, key=lambda pair: pair[0].level)
        return Match(Outcome.MATCHED, row.level, f"{kind.name} {score.shown}: {reason} → level {row.level}", row)
    positions = {position for _, position, _ in checked}
    details = "; ".join(f"level {row.level} row: {reason}" for row, _, reason in checked)
    if positions == {Position.ABOVE}:
        outcome = Outcome.ABOVE_TABLE
    elif positions == {Position.BELOW}:
        outcome = Outcome.BELOW_TABLE
    elif Position.SPLIT in positions:
        outcome = Outcome.SUBSCORES_SPLIT
    else:
        outcome = Outcome.BETWEEN_ROWS
    return Match(outcome, None, f"{kind.name} {score.shown} meets no row ({details})")


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))
