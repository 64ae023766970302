"""Content constraints of an adaptive test: skill quotas (the blueprint), testlets, enemies.

Hard constraints are never relaxed: an item is not repeated, enemies never share a test, a
skill never exceeds its maximum, a testlet never overruns the maximum length. The one soft
rule, steering the last items towards skills still below their minimum, is relaxed only when
nothing eligible satisfies it, and then reported. Whatever cannot be met is reported as a
:class:`ConstraintIssue`; configurations that can never be met are refused up front with
:class:`InfeasibleConstraint`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.psychometrics.cat.pool import BoolArray, IntArray, ItemPool


class InfeasibleConstraint(ValueError):
    """The test's constraints cannot all be met by this pool, whatever the examinee does."""


@dataclass(frozen=True)
class ConstraintIssue:
    """A constraint that an adaptive test could not meet, reported with its result."""

    code: str  # quota_unmet, quota_relaxed, min_length_unmet
    message: str


@dataclass(frozen=True)
class SkillQuota:
    """How many items of one skill a test must and may contain."""

    skill: str
    min_items: int = 0
    max_items: int | None = None

    def __post_init__(self) -> None:
        if self.min_items < 0 or (self.max_items is not None and self.max_items < self.min_items):
            raise ValueError(f"quota for {self.skill!r} needs 0 <= min_items <= max_items")


@dataclass(frozen=True)
class Blueprint:
    """Skill quotas of a test; skills without a quota are unconstrained."""

    quotas: tuple[SkillQuota, ...] = ()

    @classmethod
    def of(cls, quotas: Mapping[str, tuple[int, int | None]]) -> Blueprint:
        """Build from ``{skill: (min_items, max_items)}``."""
        return cls(tuple(SkillQuota(skill, low, high) for skill, (low, high) in quotas.items()))


@dataclass(frozen=True, eq=False)
class CompiledBlueprint:
    """A blueprint as arrays aligned with the pool's skills and units, for per-step masks."""

    minimum: NDArray[np.int64]  # per pool skill
    maximum: NDArray[np.int64]
    unit_counts: NDArray[np.int64]  # (units, skills): items of each skill in each unit
    unit_sizes: NDArray[np.int64]
    skill_names: tuple[str, ...]

    def blocked_units(self, counts: NDArray[np.int64], remaining: int) -> tuple[BoolArray, BoolArray]:
        """Units barred by hard limits, and units barred by the soft end-of-test steering."""
        hard = np.any(counts + self.unit_counts > self.maximum, axis=1) | (self.unit_sizes > remaining)
        deficit = np.maximum(self.minimum - counts, 0)
        if not deficit.any():
            return hard, np.zeros_like(hard)
        # A unit is steered away when, after it, the slots left could no longer hold what
        # the skills below their minimum still need.
        still_needed = np.maximum(deficit - self.unit_counts, 0).sum(axis=1)
        return hard, remaining - self.unit_sizes < still_needed

    def shortfalls(self, counts: NDArray[np.int64]) -> list[str]:
        """Skills still below their minimum, described for a report."""
        return [
            f"{name}: {int(count)} of at least {int(low)}"
            for name, count, low in zip(self.skill_names, counts, self.minimum, strict=True)
            if count < low
        ]


def compile_blueprint(pool: ItemPool, blueprint: Blueprint, max_items: int) -> CompiledBlueprint:
    """Check a blueprint against a pool and a maximum length. Raises InfeasibleConstraint."""
    skills = len(pool.skill_names)
    minimum = np.zeros(skills, dtype=np.int64)
    maximum = np.full(skills, max_items, dtype=np.int64)
    available = np.bincount(pool.skill_of[pool.skill_of >= 0], minlength=skills)
    for quota in blueprint.quotas:
        if quota.skill not in pool.skill_names:
            raise InfeasibleConstraint(f"the blueprint names skill {quota.skill!r}, which no item in the pool has")
        s = pool.skill_names.index(quota.skill)
        minimum[s] = quota.min_items
        if quota.max_items is not None:
            maximum[s] = quota.max_items
        if quota.min_items > available[s]:
            raise InfeasibleConstraint(
                f"skill {quota.skill!r} needs {quota.min_items} items but the pool has {available[s]}"
            )
    if minimum.sum() > max_items:
        raise InfeasibleConstraint(f"the skill minimums add up to {minimum.sum()} items, over the maximum {max_items}")
    unit_counts = np.zeros((len(pool.units), skills), dtype=np.int64)
    has_skill = pool.skill_of >= 0
    np.add.at(unit_counts, (pool.unit_of[has_skill], pool.skill_of[has_skill]), 1)
    unit_sizes = np.array([members.size for members in pool.units], dtype=np.int64)
    return CompiledBlueprint(minimum, maximum, unit_counts, unit_sizes, pool.skill_names)


def enemy_closure(pool: ItemPool, position: int) -> IntArray | None:
    """Items barred once ``position`` is given: its enemies and their testlet mates."""
    enemies = pool.enemies.get(position)
    if enemies is None:
        return None
    if not pool.has_testlets:
        return enemies
    return np.concatenate([pool.units[unit] for unit in np.unique(pool.unit_of[enemies])])
