"""The item pool of an adaptive test as flat NumPy arrays, built once and shared read-only.

Items are 3PL (right/wrong) or GPCM (several categories). Testlets are delivery units: a
passage's items go out together, so selection works on units (a standalone item is a unit of
one). Enemies are pairs of items that must not appear in the same test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assessment.psychometrics.estimation import GPCMItems, ItemSet, MixedItems, ThreePLItems
from assessment.psychometrics.models import FloatArray, info_gpcm, prob_gpcm

IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

# Past this exponent (1 + e)²(1 + ce) would overflow; information there is 0 in double precision.
_MAX_EXPONENT = 200.0


class InvalidItemPool(ValueError):
    """The item parameters or the pool's structure (testlets, enemies) are unusable."""


@dataclass(frozen=True, eq=False)
class ItemPool:
    """Parameters and structure of the items an adaptive test may draw from."""

    item_ids: tuple[str, ...]
    a: FloatArray
    b: FloatArray  # for GPCM items: the mean step, used only to describe the item
    c: FloatArray  # 0 for GPCM items
    steps: FloatArray  # (n, K-1); all NaN on 3PL rows
    polytomous: BoolArray
    skill_names: tuple[str, ...]
    skill_of: IntArray  # index into skill_names, -1 for an item without a skill
    unit_of: IntArray  # delivery unit of each item
    units: tuple[IntArray, ...]  # members of each unit, in pool order
    testlet_names: tuple[str | None, ...]  # per unit; None for a standalone item
    enemies: dict[int, IntArray]  # item -> its enemies, only for items that have any
    categories: IntArray = field(init=False, repr=False)  # response categories of each item
    _scale: FloatArray = field(init=False, repr=False)
    _ab: FloatArray = field(init=False, repr=False)
    _index: dict[str, int] = field(init=False, repr=False)
    _poly_index: IntArray = field(init=False, repr=False)

    @classmethod
    def build(
        cls,
        item_ids: Sequence[str],
        a: ArrayLike,
        b: ArrayLike,
        c: ArrayLike | None = None,
        *,
        steps: ArrayLike | None = None,
        skills: Sequence[str | None] | None = None,
        testlets: Sequence[str | None] | None = None,
        enemy_pairs: Iterable[tuple[str, str]] = (),
    ) -> ItemPool:
        """Validate and index a pool. Raises InvalidItemPool naming the offending item.

        A row of ``steps`` that is not all NaN makes that item a GPCM item (its b and c are
        then ignored); the other items are 3PL.
        """
        ids = tuple(str(item_id) for item_id in item_ids)
        n = len(ids)
        if n == 0:
            raise InvalidItemPool("the pool has no items")
        index: dict[str, int] = {}
        for position, item_id in enumerate(ids):
            if item_id in index:
                raise InvalidItemPool(f"duplicate item id {item_id!r}")
            index[item_id] = position
        a_ = _column(a, n, "a")
        b_ = _column(b, n, "b")
        c_ = np.zeros(n) if c is None else _column(c, n, "c")
        steps_ = np.full((n, 1), np.nan) if steps is None else np.asarray(steps, dtype=np.float64).reshape(n, -1)
        polytomous = ~np.all(np.isnan(steps_), axis=1)
        b_ = np.where(polytomous, np.nanmean(np.where(polytomous[:, None], steps_, 0.0), axis=1), b_)
        c_ = np.where(polytomous, 0.0, c_)
        for position in range(n):
            problem = _parameter_problem(a_[position], b_[position], c_[position], steps_[position])
            if problem:
                raise InvalidItemPool(f"item {ids[position]!r}: {problem}")

        skill_names, skill_of = _codes(skills, n)
        unit_of, units, testlet_names = _units(testlets, n)
        enemies = _enemies(enemy_pairs, index)
        for members in units:
            if members.size > 1:
                inside = set(members.tolist())
                for member in members:
                    if inside & set(enemies.get(int(member), np.empty(0, np.intp)).tolist()):
                        raise InvalidItemPool(f"testlet of item {ids[member]!r} contains a pair of enemies")
        return cls(ids, a_, b_, c_, steps_, polytomous, skill_names, skill_of, unit_of, units, testlet_names, enemies)

    def __post_init__(self) -> None:
        graded = (~np.isnan(self.steps)).sum(axis=1) + 1
        object.__setattr__(self, "categories", np.where(self.polytomous, graded, 2))
        # For the information kernel: 3PL information is a²(1-c) e / ((1+e)² (1+c e)),
        # e = exp(-a(θ-b)).
        object.__setattr__(self, "_scale", self.a * self.a * (1.0 - self.c))
        object.__setattr__(self, "_ab", self.a * self.b)
        object.__setattr__(self, "_index", {item_id: i for i, item_id in enumerate(self.item_ids)})
        object.__setattr__(self, "_poly_index", np.flatnonzero(self.polytomous))

    @property
    def size(self) -> int:
        return len(self.item_ids)

    @property
    def n_categories(self) -> int:
        return int(self.steps.shape[1] + 1) if self.polytomous.any() else 2

    @property
    def has_testlets(self) -> bool:
        return len(self.units) < self.size

    def position(self, item_id: str) -> int:
        """Index of an item; raises KeyError for an id not in the pool."""
        try:
            return self._index[item_id]
        except KeyError:
            raise KeyError(f"item {item_id!r} is not in the pool") from None

    def information_into(self, theta: float, out: FloatArray, work: FloatArray, spare: FloatArray) -> FloatArray:
        """Fisher information of every item at theta, written into ``out`` without allocating.

        This is the hot loop of selection: in-place ufuncs avoid the temporaries that
        otherwise cost more than the arithmetic on banks of thousands of items.
        """
        np.multiply(self.a, -theta, out=work)
        work += self._ab
        np.minimum(work, _MAX_EXPONENT, out=work)
        np.exp(work, out=work)
        np.add(work, 1.0, out=out)
        out *= out
        np.multiply(self.c, work, out=spare)
        spare += 1.0
        out *= spare
        np.divide(work, out, out=out)
        out *= self._scale
        poly = self._poly_index
        if poly.size:
            out[poly] = info_gpcm(theta, self.a[poly], self.steps[poly])
        return out

    def information(self, theta: float) -> FloatArray:
        """Fisher information of every item at theta."""
        return self.information_into(theta, np.empty(self.size), np.empty(self.size), np.empty(self.size))

    def item_set(self, positions: ArrayLike) -> ItemSet:
        """The items at ``positions`` as an ItemSet for the estimators."""
        chosen = np.asarray(positions, dtype=np.intp)
        poly = self.polytomous[chosen]
        dichotomous = ThreePLItems(self.a[chosen[~poly]], self.b[chosen[~poly]], self.c[chosen[~poly]])
        if not poly.any():
            return dichotomous
        graded = GPCMItems(self.a[chosen[poly]], self.steps[chosen[poly]])
        if poly.all():
            return graded
        return MixedItems.of([(dichotomous, np.flatnonzero(~poly)), (graded, np.flatnonzero(poly))])

    def category_log_probabilities(self, points: FloatArray) -> FloatArray:
        """log P(category) of every item at every grid point, shape ``(n, K, G)``."""
        return self.item_set(np.arange(self.size)).category_log_probabilities(points)

    def draw_response(self, theta: float, position: int, uniform: float) -> int:
        """The response an examinee of ability theta gives, driven by one uniform draw."""
        if self.polytomous[position]:
            p = prob_gpcm(theta, self.a[position : position + 1], self.steps[position : position + 1])[0]
            return int(min(np.searchsorted(np.cumsum(p), uniform, side="right"), p.size - 1))
        a, b, c = float(self.a[position]), float(self.b[position]), float(self.c[position])
        exponent = min(-a * (theta - b), _MAX_EXPONENT)
        return int(uniform < c + (1.0 - c) / (1.0 + math.exp(exponent)))


def _column(values: ArrayLike, n: int, name: str) -> FloatArray:
    column = np.asarray(values, dtype=np.float64).reshape(-1)
    if column.size != n:
        raise InvalidItemPool(f"{name} has {column.size} values for {n} items")
    return column.copy()


def _parameter_problem(a: float, b: float, c: float, steps: FloatArray) -> str | None:
    if not (np.isfinite(a) and a > 0):
        return f"a must be a positive number, got {a}"
    if not np.isfinite(b):
        return f"b must be a finite number, got {b}"
    if not (0.0 <= c < 1.0):
        return f"c must be in [0, 1), got {c}"
    present = ~np.isnan(steps)
    if present.any() and (not present[0] or np.any(np.diff(present.astype(int)) > 0)):
        return "GPCM steps must be given left to right with NaN only as trailing padding"
    if np.any(np.isinf(steps)):
        return "GPCM steps must be finite"
    return None


def _codes(labels: Sequence[str | None] | None, n: int) -> tuple[tuple[str, ...], IntArray]:
    if labels is None:
        return (), np.full(n, -1, dtype=np.intp)
    if len(labels) != n:
        raise InvalidItemPool(f"{len(labels)} skills given for {n} items")
    names = tuple(sorted({label for label in labels if label}))
    code = {name: i for i, name in enumerate(names)}
    return names, np.array([code[label] if label else -1 for label in labels], dtype=np.intp)


def _units(
    testlets: Sequence[str | None] | None, n: int
) -> tuple[IntArray, tuple[IntArray, ...], tuple[str | None, ...]]:
    if testlets is None or not any(testlets):
        return np.arange(n, dtype=np.intp), tuple(np.array([i], dtype=np.intp) for i in range(n)), (None,) * n
    if len(testlets) != n:
        raise InvalidItemPool(f"{len(testlets)} testlet labels given for {n} items")
    unit_of = np.empty(n, dtype=np.intp)
    members: list[list[int]] = []
    names: list[str | None] = []
    unit_of_name: dict[str, int] = {}
    for position, label in enumerate(testlets):
        if label and label in unit_of_name:
            unit = unit_of_name[label]
        else:
            unit = len(members)
            members.append([])
            names.append(label or None)
            if label:
                unit_of_name[label] = unit
        unit_of[position] = unit
        members[unit].append(position)
    return unit_of, tuple(np.array(m, dtype=np.intp) for m in members), tuple(names)


def _enemies(pairs: Iterable[tuple[str, str]], index: dict[str, int]) -> dict[int, IntArray]:
    found: dict[int, set[int]] = {}
    for first, second in pairs:
        for item_id in (first, second):
            if item_id not in index:
                raise InvalidItemPool(f"enemy pair names item {item_id!r}, which is not in the pool")
        i, j = index[first], index[second]
        if i == j:
            raise InvalidItemPool(f"item {first!r} cannot be its own enemy")
        found.setdefault(i, set()).add(j)
        found.setdefault(j, set()).add(i)
    return {item: np.array(sorted(others), dtype=np.intp) for item, others in found.items()}
