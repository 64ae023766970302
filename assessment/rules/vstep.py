"""Score rules of the VSTEP formats as values: rounding, the skill mean, the writing composite, level bands.

Each class is the payload of one rule version in ``data/vstep.yaml``; the numbers live there, with
the regulation they come from. These classes only apply them, exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from assessment.rules.errors import InvalidScore
from assessment.rules.numbers import Number, exact, round_half_up
from assessment.rules.types import ScoreRange, ScoreScale

ROUNDING_MODES = frozenset({"half_up"})


@dataclass(frozen=True)
class RoundingRule:
    """Round to a step; "half_up" sends a value exactly half-way between two steps up."""

    step: Decimal
    mode: str = "half_up"

    def apply(self, value: Number) -> Decimal:
        return round_half_up(value, self.step)


@dataclass(frozen=True)
class MeanOfSkills:
    """The overall score: the plain mean of the skill scores, rounded by the named rounding rule."""

    skills: tuple[str, ...]
    skill_scale: ScoreScale
    rounding_rule: str

    def mean(self, scores: Mapping[str, Number]) -> Fraction:
        """The exact, unrounded mean; raises InvalidScore for a missing, extra or off-scale score."""
        if set(scores) != set(self.skills):
            raise InvalidScore(f"scores for exactly {', '.join(self.skills)} are needed, got {', '.join(scores)}")
        total = sum((self.skill_scale.check(scores[skill], field=skill) for skill in self.skills), Fraction(0))
        return total / len(self.skills)


@dataclass(frozen=True)
class WeightedComposite:
    """A weighted sum of part scores (the writing tasks), rounded once at the end or also per part."""

    weights: tuple[tuple[str, Fraction], ...]
    part_scale: ScoreScale
    round_parts_first: bool
    rounding_rule: str

    def combine(self, parts: Mapping[str, Number], rounding: RoundingRule) -> Fraction:
        """The exact weighted sum, before the final rounding."""
        names = [name for name, _ in self.weights]
        if set(parts) != set(names):
            raise InvalidScore(f"scores for exactly {', '.join(names)} are needed, got {', '.join(parts)}")
        total = Fraction(0)
        for name, weight in self.weights:
            score = self.part_scale.check(parts[name], field=name)
            if self.round_parts_first:
                score = exact(rounding.apply(score))
            total += weight * score
        return total


@dataclass(frozen=True)
class Band:
    """Scores in ``range`` get ``level``; level None is "không xét" (no level awarded by this format)."""

    range: ScoreRange
    level: int | None


@dataclass(frozen=True)
class BandTable:
    """Level bands over a score scale; the loader has checked that they tile the scale without gaps."""

    framework_id: str
    scale: ScoreScale
    bands: tuple[Band, ...]

    def level_of(self, score: Number, *, field: str = "overall") -> int | None:
        """The level of an already rounded score; raises InvalidScore off the scale or off its step."""
        value = self.scale.check(score, field=field)
        for band in self.bands:
            if band.range.contains(value):
                return band.level
        # Unreachable once the loader has checked coverage; kept so a bad table fails loudly.
        raise InvalidScore(f"{field} {score} falls in no band", field=field)
