"""The ability grid the EM integrates over, the population on it, and the item-parameter priors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from assessment.psychometrics.models import FloatArray


@dataclass(frozen=True, eq=False)
class Quadrature:
    """Points ``z`` and weights (summing to 1) for a standard normal ability.

    Abilities are ``mean + sd * z`` for the population's mean and SD, so an estimated population
    moves the points instead of leaving most of the weight on a few of them.
    """

    points: FloatArray
    weights: FloatArray

    @classmethod
    def normal(cls, n_points: int = 41, bound: float = 6.0) -> Quadrature:
        """Equally spaced points on [-bound, bound], weights proportional to the normal density.

        This is the Bock-Aitkin rectangular rule; 41 points on ±6 keep the parameter estimates
        within a small fraction of their standard errors of a much finer grid.
        """
        if n_points < 5 or bound <= 0:
            raise ValueError("the grid needs at least 5 points and a positive bound")
        points = np.linspace(-bound, bound, n_points)
        return cls.of(points, np.exp(-0.5 * points**2))

    @classmethod
    def of(cls, points: ArrayLike, weights: ArrayLike) -> Quadrature:
        """Any rule for the standard normal (e.g. Gauss-Hermite or another library's grid)."""
        z = np.asarray(points, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if z.ndim != 1 or z.shape != w.shape or np.any(w < 0) or not w.sum() > 0:
            raise ValueError("points and weights must be matching 1-D arrays of non-negative weights")
        return cls(z.copy(), w / w.sum())

    @property
    def log_weights(self) -> FloatArray:
        with np.errstate(divide="ignore"):
            return np.log(self.weights)

    def abilities(self, population: Population) -> FloatArray:
        return population.mean + population.sd * self.points


@dataclass(frozen=True)
class Population:
    """Normal ability distribution of the calibration sample."""

    mean: float = 0.0
    sd: float = 1.0


@dataclass(frozen=True)
class Priors:
    """Penalties on item parameters: estimation is then Bayes modal (marginal MAP), as in BILOG.

    ``log_a`` is a normal (mean, sd) on log a, i.e. a lognormal prior on the slope applied on the
    log scale; ``c`` is a beta (alpha, beta) on the lower asymptote. None switches a prior off.
    Priors keep slopes and guessing finite for items with few or lopsided responses.
    """

    log_a: tuple[float, float] | None = None
    c: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.log_a is not None and not self.log_a[1] > 0:
            raise ValueError("the prior on log a needs a positive standard deviation")
        if self.c is not None and not (self.c[0] >= 1 and self.c[1] >= 1):
            raise ValueError("the beta prior on c needs alpha >= 1 and beta >= 1 (a mode inside (0, 1))")

    @classmethod
    def default(cls, model: str) -> Priors:
        """Weak slope prior for 2PL/GPCM; BILOG-MG's lognormal(0, 0.5) and a beta prior on c for 3PL."""
        if model in ("2pl", "gpcm"):
            return cls(log_a=(0.0, 1.0))
        if model == "3pl":
            return cls(log_a=(0.0, 0.5), c=(5.0, 17.0))
        return cls()

    def log_density_a(self, a: FloatArray) -> FloatArray:
        if self.log_a is None:
            return np.zeros_like(a)
        mean, sd = self.log_a
        return -0.5 * ((np.log(a) - mean) / sd) ** 2

    def derivatives_a(self, a: FloatArray) -> tuple[FloatArray, FloatArray]:
        """First and second derivative of the log-prior with respect to a."""
        if self.log_a is None:
            return np.zeros_like(a), np.zeros_like(a)
        mean, sd = self.log_a
        centred = np.log(a) - mean
        return -centred / (sd**2 * a), -(1.0 - centred) / (sd**2 * a**2)

    def log_density_c(self, c: FloatArray) -> FloatArray:
        if self.c is None:
            return np.zeros_like(c)
        alpha, beta = self.c
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num((alpha - 1) * np.log(c), nan=0.0) + np.nan_to_num(
                (beta - 1) * np.log1p(-c), nan=0.0
            )

    def derivatives_c(self, c: FloatArray) -> tuple[FloatArray, FloatArray]:
        if self.c is None:
            return np.zeros_like(c), np.zeros_like(c)
        alpha, beta = self.c
        return (alpha - 1) / c - (beta - 1) / (1 - c), -(alpha - 1) / c**2 - (beta - 1) / (1 - c) ** 2
