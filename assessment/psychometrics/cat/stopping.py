"""When an adaptive test ends: length limits, a standard-error target, a classification decision.

The classification stop ends the test once the level is decided with the configured
confidence, by one of three rules over the posterior on the quadrature grid:

- ``posterior`` (default): the most probable level has posterior probability >= confidence.
  With a prior matching the population this is the Bayes rule, and its decisions are right
  about as often as the confidence says.
- ``ci``: the interval theta ± z·SE (two-sided, at the confidence) lies inside one level.
- ``sprt``: at each cut a sequential probability ratio test of cut-δ against cut+δ (error
  rates 1-confidence each); the level is decided once the highest cut the examinee is shown to
  be above and the lowest cut they are shown to be below enclose a single level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from assessment.psychometrics.estimation import QuadratureGrid
from assessment.psychometrics.levels import LevelKernel, LevelScale
from assessment.psychometrics.models import FloatArray

ClassificationMethod = Literal["posterior", "ci", "sprt"]
CLASSIFICATION_METHODS: tuple[ClassificationMethod, ...] = ("posterior", "ci", "sprt")


@dataclass(frozen=True)
class ClassificationStop:
    """Stop once the examinee's level is decided with the given confidence."""

    scale: LevelScale
    confidence: float = 0.9
    method: ClassificationMethod = "posterior"
    indifference: float = 0.2  # SPRT half-width δ around each cut

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError("classification confidence must be in [0.5, 1)")
        if self.method not in CLASSIFICATION_METHODS:
            raise ValueError(f"classification method must be one of {', '.join(CLASSIFICATION_METHODS)}")
        if self.indifference <= 0:
            raise ValueError("the SPRT indifference half-width must be positive")

    def bind(self, grid: QuadratureGrid) -> Callable[[FloatArray, float, float], bool]:
        """A check ``decided(log_likelihood, theta, se)`` with the grid-dependent work done once."""
        if self.method == "posterior":
            kernel = LevelKernel(self.scale, grid)
            return lambda log_likelihood, theta, se: float(kernel(log_likelihood).max()) >= self.confidence
        if self.method == "ci":
            z = NormalDist().inv_cdf(0.5 + self.confidence / 2.0)
            level_of = self.scale.level_of
            return lambda log_likelihood, theta, se: bool(level_of(theta - z * se) == level_of(theta + z * se))
        # SPRT: the log-likelihood is smooth on the fine grid, so interpolating it at cut±δ is
        # accurate far below the decision thresholds (log 9 and more).
        cuts = np.asarray(self.scale.cuts)
        upper, lower = cuts + self.indifference, cuts - self.indifference
        error = 1.0 - self.confidence
        accept_above = np.log((1.0 - error) / error)
        accept_below = np.log(error / (1.0 - error))

        def sprt(log_likelihood: FloatArray, theta: float, se: float) -> bool:
            ratio = np.interp(upper, grid.points, log_likelihood) - np.interp(lower, grid.points, log_likelihood)
            # Being above a cut implies being above the lower ones (and below likewise), where
            # the items given carry little information: decided once the highest cut passed
            # and the lowest cut failed are neighbours.
            passed = np.flatnonzero(ratio >= accept_above)
            failed = np.flatnonzero(ratio <= accept_below)
            highest_passed = int(passed[-1]) if passed.size else -1
            lowest_failed = int(failed[0]) if failed.size else ratio.size
            return lowest_failed == highest_passed + 1

        return sprt

    def decided(self, grid: QuadratureGrid, log_likelihood: FloatArray, theta: float, se: float) -> bool:
        """Whether the responses so far decide the level (binds afresh: prefer :meth:`bind` in loops)."""
        return self.bind(grid)(log_likelihood, theta, se)


@dataclass(frozen=True)
class StoppingRule:
    """Length limits plus optional precision and classification targets."""

    min_items: int = 1
    max_items: int = 30
    se_threshold: float | None = None
    classification: ClassificationStop | None = None

    def __post_init__(self) -> None:
        if self.min_items < 0 or self.max_items < 1 or self.min_items > self.max_items:
            raise ValueError("lengths need 0 <= min_items <= max_items and max_items >= 1")
        if self.se_threshold is not None and not self.se_threshold > 0:
            raise ValueError("the standard-error threshold must be positive")
