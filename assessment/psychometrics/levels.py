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
        """Posterior probability of each level, shape ``(..., n_levels)``; see :class:`LevelKernel`."""
        return LevelKernel(self, grid)(log_likelihood)


class LevelKernel:
    """Posterior level probabilities on one grid, with the cut-dependent work done once.

    The posterior is prior x likelihood on the grid. Its mass below each cut is the trapezoid
    sum up to the grid point under the cut, with the Euler-Maclaurin end correction, plus the
    partial cell integrated over a quadratic fit of the log density, so the result does not
    depend on whether cuts fall on grid points. An adaptive test asks after every response.
    """

    def __init__(self, scale: LevelScale, grid: QuadratureGrid) -> None:
        points = grid.points
        self.grid = grid
        self.h = grid.spacing
        cuts = np.asarray(scale.cuts)
        self.inside = (cuts > points[0]) & (cuts < points[-1])
        self.above_grid = cuts >= points[-1]
        j = np.clip(np.floor((cuts - points[0]) / self.h).astype(np.intp), 1, points.size - 2)
        self.j = j
        self.neighbours = np.stack([j - 1, j, j + 1])
        offset = np.where(self.inside, cuts - points[j], 0.0)
        self.s = offset[:, np.newaxis] * (1.0 + _GL_NODES) / 2.0  # (cuts, 3)
        self.half_s2 = 0.5 * self.s * self.s
        self.weights = _GL_WEIGHTS * offset[:, np.newaxis] / 2.0 / self.h

    def __call__(self, log_likelihood: FloatArray) -> FloatArray:
        h = self.h
        log_post = log_likelihood + self.grid.log_prior
        log_post = log_post - log_post.max(axis=-1, keepdims=True)
        density = np.exp(log_post)
        total = density.sum(axis=-1, keepdims=True)
        below_node = np.cumsum(density, axis=-1) - 0.5 * density
        left, mid, right = (
            log_post[..., self.neighbours[0]],
            log_post[..., self.neighbours[1]],
            log_post[..., self.neighbours[2]],
        )
        slope = (right - left) / (2.0 * h)
        curvature = (right - 2.0 * mid + left) / (h * h)
        f_j = density[..., self.j]
        at_node = below_node[..., self.j] - h / 12.0 * f_j * slope
        local = np.exp(slope[..., np.newaxis] * self.s + curvature[..., np.newaxis] * self.half_s2)
        partial = f_j * (local * self.weights).sum(axis=-1)
        below_cut = np.where(self.inside, at_node + partial, np.where(self.above_grid, total, 0.0))
        below_cut = np.clip(np.maximum.accumulate(below_cut, axis=-1), 0.0, total)
        edges = np.concatenate([np.zeros_like(total), below_cut, total], axis=-1)
        return np.diff(edges, axis=-1) / total


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


def accuracy(
    true_levels: Sequence[int] | NDArray[np.intp], levels: Sequence[int] | NDArray[np.intp]
) -> tuple[float, float]:
    """Exact and within-one-level agreement rates of two level vectors."""
    truth = np.asarray(true_levels)
    found = np.asarray(levels)
    if truth.size == 0:
        return float("nan"), float("nan")
    gap = np.abs(truth - found)
    return float(np.mean(gap == 0)), float(np.mean(gap <= 1))
