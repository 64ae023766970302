"""Where a rule comes from and when it applies: the provenance every rule version carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessment.rules.errors import InvalidScore
from assessment.rules.numbers import Number, exact, is_multiple

# How far a fact can be trusted, as tagged in shared/domain/FACTS.md.
STATUSES = frozenset({"REG", "REG-quote", "SEC", "SEC-gov", "SEC-institution", "3P-CODE", "DRAFT",
                      "NOT CONFIRMED"})


@dataclass(frozen=True)
class Regulation:
    """A legal instrument (circular, decision) that rules are taken from."""

    id: str
    instrument: str
    title: str
    status: str
    issued: date | None
    in_force: date | None
    sources: tuple[str, ...]
    note: str | None = None
    replaces: str | None = None


@dataclass(frozen=True)
class Provenance:
    """The regulation, provision and source behind one rule version, with how far it can be trusted."""

    regulation: Regulation
    status: str
    provision: str | None = None
    source: str | None = None
    quote: str | None = None
    note: str | None = None

    def cite(self) -> str:
        """A one-line citation for explanations and audit records."""
        where = f", {self.provision}" if self.provision else ""
        return f"{self.regulation.instrument}{where} [{self.status}]"


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule, in force on [effective_from, effective_until).

    ``effective_from`` None means the start is not confirmed and the version covers every date
    before its end; ``pending`` means its start is unknown and it is not in force until configured.
    """

    rule_id: str
    version: str
    kind: str
    title: str
    effective_from: date | None
    effective_until: date | None
    pending: bool
    provenance: Provenance
    payload: Any
    choice: str | None = None

    def in_force_on(self, on: date) -> bool:
        if self.pending:
            return False
        started = self.effective_from is None or self.effective_from <= on
        return started and (self.effective_until is None or on < self.effective_until)

    @property
    def ref(self) -> str:
        """``rule_id@version``, the key stored with every result a rule produced."""
        return f"{self.rule_id}@{self.version}"


@dataclass(frozen=True)
class ScoreScale:
    """The values a score may take: a closed range, and a grid step when the rule fixes one."""

    minimum: Decimal
    maximum: Decimal
    step: Decimal | None = None

    def check(self, value: Number, *, field: str) -> Fraction:
        """The exact score; raises InvalidScore when it is off the scale or off the step."""
        score = exact(value, field=field)
        if not Fraction(self.minimum) <= score <= Fraction(self.maximum):
            raise InvalidScore(f"{field} must lie between {self.minimum} and {self.maximum}, got {value}",
                               field=field)
        if self.step is not None and not is_multiple(score - Fraction(self.minimum), self.step):
            raise InvalidScore(f"{field} must be a multiple of {self.step}, got {value}", field=field)
        return score


@dataclass(frozen=True)
class ScoreRange:
    """A range of scores; a missing bound is open-ended, and each bound says if it is included."""

    minimum: Decimal | None
    maximum: Decimal | None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def contains(self, score: Fraction, *, ignore_maximum: bool = False) -> bool:
        if self.minimum is not None:
            low = Fraction(self.minimum)
            if score < low or (score == low and not self.min_inclusive):
                return False
        if self.maximum is not None and not ignore_maximum:
            high = Fraction(self.maximum)
            if score > high or (score == high and not self.max_inclusive):
                return False
        return True

    def above(self, score: Fraction) -> bool:
        """Whether the score lies beyond the upper bound."""
        if self.maximum is None:
            return False
        high = Fraction(self.maximum)
        return score > high or (score == high and not self.max_inclusive)

    def describe(self) -> str:
        low = "" if self.minimum is None else f"{self.minimum}"
        high = "" if self.maximum is None else f"{self.maximum}"
        if self.maximum is None:
            return f"{'≥' if self.min_inclusive else '>'} {low}"
        if self.minimum is None:
            return f"{'≤' if self.max_inclusive else '<'} {high}"
        if self.min_inclusive and self.max_inclusive:
            return f"{low}–{high}"
        left = "[" if self.min_inclusive else "("
        right = "]" if self.max_inclusive else ")"
        return f"{left}{low}, {high}{right}"
