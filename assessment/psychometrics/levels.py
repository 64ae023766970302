"""Levels from cut scores on the ability scale, with the posterior probability of each level.

A test's scale has increasing cuts; n cuts make n+1 levels numbered from ``first_level``:
theta < cuts[0] is the first level and theta >= cuts[-1] the last (5 cuts: levels 1-6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assessment.psychometrics.estimation import QuadratureGrid
from assessment.psychometrics.models import FloatArray

DEFAULT_CUTS = (-2.0, -1.0, 0.0, 1.0, 2.0)

# Three-point Gauss-Legendre rule on [-1, 1]: exact for the partial grid cell at a cut up to
# degree 5, far below the interpolation error of the log density there.
_GL_NODES = np.array([-np.sqrt(0.6), 0.0, np.sqrt(0.6)])
_GL_WEIGHTS = np.array([5.0, 8.0, 5.0]) / 9.0


@dataclass(frozen=True)
class LevelScale:
    """Cut scores of one test; raises ValueError unless they are finite and increasing."""

    cuts: tuple[float, ...] = DEFAULT_CUTS
    first_level: int = 1

    def __post_init__(self) -> None:
        cuts = np.asarray(self.cuts, dtype=np.float64)
        if cuts.ndim != 1 or cuts.size == 0 or not np.all(np.isfinite(cuts)) or np.any(np.diff(cuts) <= 0):
            raise ValueError("cut scores must be finite and strictly increasing")

    @classmethod
    def parse(cls, text: str, first_level: int = 1) -> LevelScale:
        """Read cuts written as ``-2,-1,0,1,2``; raises ValueError on anything else."""
        try:
            cuts = tuple(float(part) for part in text.split(","))
        except ValueError:
            raise ValueError(f"cut scores must be comma-separated numbers, got {text!r}") from None
        return cls(cuts, first_level)

    @property
    def n_levels(self) -> int:
        return len(self.cuts) + 1

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(self.first_level, self.first_level + self.n_levels))

    def level_of(self, theta: ArrayLike) -> NDArray[np.intp]:
        """Level of each ability; a cut belongs to the level above it."""
        return np.searchsorted(np.asarray(self.cuts), np.asarray(theta, dtype=np.float64), side="right") + (
            self.first_level
        )

    def probabilities(self, grid: QuadratureGrid, log_likelihood: FloatArray) -> FloatArray:
        """Posterior probability of each level, shape ``(..., n_levels)``.

        The posterior is prior x likelihood on the grid. Its mass below each cut is the
        trapezoid sum up to the grid point under the cut, with the Euler-Maclaurin end
        correction, plus the partial cell integrated over a quadratic fit of the log density,
        so the result does not depend on whether cuts fall on grid points.
        """
        points = grid.points
        h = grid.spacing
        log_post = log_likelihood + grid.log_prior
        log_post = log_post - log_post.max(axis=-1, keepdims=True)
        density = np.exp(log_post)
        total = density.sum(axis=-1)
        below_node = np.cumsum(density, axis=-1) - 0.5 * density

        cuts = np.asarray(self.cuts)
        j = np.clip(np.floor((cuts - points[0]) / h).astype(np.intp), 1, points.size - 2)
        left, mid, right = log_post[..., j - 1], log_post[..., j], log_post[..., j + 1]
        slope = (right - left) / (2.0 * h)
        curvature = (right - 2.0 * mid + left) / (h * h)
        at_node = below_node[..., j] - h / 12.0 * density[..., j] * slope
        offset = cuts - points[j]
        s = offset[:, np.newaxis] * (1.0 + _GL_NODES) / 2.0  # (cuts, 3)
        local = np.exp(slope[..., np.newaxis] * s + 0.5 * curvature[..., np.newaxis] * s * s)
        partial = density[..., j] * (local @ _GL_WEIGHTS) * offset / 2.0 / h
        below_cut = np.where(cuts <= points[0], 0.0, np.where(cuts >= points[-1], total[..., np.newaxis], 0.0))
        inside = (cuts > points[0]) & (cuts < points[-1])
        below_cut = np.where(inside, at_node + partial, below_cut)
        below_cut = np.clip(np.maximum.accumulate(below_cut, axis=-1), 0.0, total[..., np.newaxis])
        edges = np.concatenate(
            [np.zeros((*total.shape, 1)), below_cut, total[..., np.newaxis]], axis=-1
        )
        return np.diff(edges, axis=-1) / total[..., np.newaxis]


@dataclass(frozen=True)
class LevelResult:
    """Where one ability estimate places a candidate."""

    theta: float
    se: float
    level: int
    probabilities: tuple[float, ...]
    n_items: int = 0


def place(scale: LevelScale, grid: QuadratureGrid, log_likelihood: FloatArray, n_items: int) -> LevelResult:
    """EAP ability, its level and the level probabilities from one log-likelihood on the grid."""
    mean, sd = grid.moments(log_likelihood)
    probabilities = scale.probabilities(grid, log_likelihood)
    return LevelResult(
        theta=float(mean),
        se=float(sd),
        level=int(scale.level_of(float(mean))),
        probabilities=tuple(float(p) for p in probabilities),
        n_items=n_items,
    )


def skill_profile(
    scale: LevelScale,
    grid: QuadratureGrid,
    log_likelihood_by_skill: Mapping[str, FloatArray],
    items_by_skill: Mapping[str, int],
) -> dict[str, LevelResult]:
    """Per-skill placement, each from that skill's responses alone under the same prior.

    A skill with few items leans on the prior: its SE and level probabilities say so.
    """
    return {
        skill: place(scale, grid, log_likelihood, items_by_skill.get(skill, 0))
        for skill, log_likelihood in log_likelihood_by_skill.items()
    }


def accuracy(true_levels: Sequence[int] | NDArray[np.intp], levels: Sequence[int] | NDArray[np.intp]) -> tuple[
    float, float
]:
    """Exact and within-one-level agreement rates of two level vectors."""
    truth = np.asarray(true_levels)
    found = np.asarray(levels)
    if truth.size == 0:
        return float("nan"), float("nan")
    gap = np.abs(truth - found)
    return float(np.mean(gap == 0)), float(np.mean(gap <= 1))
