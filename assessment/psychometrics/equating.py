"""Raw-score conversion tables that make parallel forms equivalent, through the IRT scale.

Each form gets its own table: a raw score is taken to the ability at which the form's test
characteristic curve (expected raw score) reaches it, and that ability to the 0-10 reporting
scale, piecewise linear through anchors (ability at which a scale score is reached, e.g. the
level cuts at the VSTEP band edges). Two forms of different difficulty thus give the same scale
score to the same ability. A scale score is awarded from the first raw score whose ability
reaches it, so rounding never lifts a candidate over a band edge their ability did not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import ArrayLike

from assessment.psychometrics.models import prob_3pl

THETA_RANGE = (-6.0, 6.0)
BISECTION_STEPS = 60


@dataclass(frozen=True, slots=True)
class ScaleAnchor:
    """The ability at which the reporting scale reaches ``score``."""

    theta: float
    score: Decimal


def theta_for_raw(raw: ArrayLike, a: ArrayLike, b: ArrayLike, c: ArrayLike) -> np.ndarray:
    """The ability whose expected raw score is ``raw`` (bisection on the increasing TCC).

    Raw scores at or below the guessing floor give -inf, the maximum or above +inf.
    """
    a, b, c = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    target = np.atleast_1d(np.asarray(raw, dtype=np.float64))
    low = np.full(target.shape, THETA_RANGE[0])
    high = np.full(target.shape, THETA_RANGE[1])
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2.0
        below = prob_3pl(middle, a, b, c).sum(axis=-1) < target
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    theta = (low + high) / 2.0
    theta[target <= c.sum()] = -np.inf
    theta[target >= a.size] = np.inf
    return theta


def scale_score(theta: ArrayLike, anchors: Sequence[ScaleAnchor], *, maximum: Decimal = Decimal(10)) -> np.ndarray:
    """Abilities on the reporting scale: linear between anchors, extended past the ends, within 0..maximum."""
    points = np.array([anchor.theta for anchor in anchors])
    scores = np.array([float(anchor.score) for anchor in anchors])
    if points.size < 2 or np.any(np.diff(points) <= 0) or np.any(np.diff(scores) <= 0):
        raise ValueError("give at least two anchors, rising in both ability and score")
    theta = np.asarray(theta, dtype=np.float64)
    inside = np.interp(theta, points, scores)
    below = scores[0] + (theta - points[0]) * (scores[1] - scores[0]) / (points[1] - points[0])
    above = scores[-1] + (theta - points[-1]) * (scores[-1] - scores[-2]) / (points[-1] - points[-2])
    value = np.where(theta < points[0], below, np.where(theta > points[-1], above, inside))
    return np.clip(np.nan_to_num(value, nan=0.0, posinf=float(maximum), neginf=0.0), 0.0, float(maximum))


def conversion_table(a: ArrayLike, b: ArrayLike, c: ArrayLike, anchors: Sequence[ScaleAnchor], *,
                     step: Decimal = Decimal("0.5"), maximum: Decimal = Decimal(10)) -> list[tuple[int, Decimal]]:
    """(minimum raw score, scale score) rows for a form of right/wrong items, rising in both.

    Each scale score (a multiple of ``step``) is awarded from the first raw score whose ability
    reaches it; scale scores no raw score reaches are left out.
    """
    n_items = np.asarray(a).size
    raws = np.arange(n_items + 1)
    reached = scale_score(theta_for_raw(raws, a, b, c), anchors, maximum=maximum)
    table: list[tuple[int, Decimal]] = []
    for raw, value in zip(raws, reached, strict=True):
        score = (Decimal(repr(float(value))) / step).to_integral_value(rounding="ROUND_FLOOR") * step
        if not table or score > table[-1][1]:
            table.append((int(raw), score))
    if table[0][0] != 0:
        table.insert(0, (0, Decimal(0)))
    return table
