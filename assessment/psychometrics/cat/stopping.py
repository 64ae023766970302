"""When an adaptive test ends: length limits, a standard-error target, a classification decision.

The classification stop ends the test once the level is decided with the configured
confidence, by one of three rules over the posterior on the quadrature grid:

- ``posterior`` (default): the most probable level has posterior probability >= confidence.
  With a prior matching the population this is the Bayes rule, and its decisions are right
  about as often as the confidence says.
- ``ci``: the interval theta ± z·SE (two-sided, at the confidence) lies inside one level.
- ``sprt``: at every cut a sequential probability ratio test of cut-δ against cut+δ
  (error rates 1-confidence each) has decided, and the decisions bracket a single level.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from assessment.psychometrics.estimation import QuadratureGrid
from assessment.psychometrics.levels import LevelScale
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

    def decided(self, grid: QuadratureGrid, log_likelihood: FloatArray, theta: float, se: float) -> bool:
        """Whether the responses so far decide the level."""
        if self.method == "posterior":
            return float(self.scale.probabilities(grid, log_likelihood).max()) >= self.confidence
        cuts = np.asarray(self.scale.cuts)
        if self.method == "ci":
            half_width = NormalDist().inv_cdf(0.5 + self.confidence / 2.0) * se
            return bool(np.all(self.scale.level_of([theta - half_width, theta + half_width]) == [
                self.scale.level_of(theta)
            ]))
        # SPRT: the log-likelihood is smooth on the fine grid, so interpolating it at cut±δ
        # is accurate far below the decision thresholds (log 9 and more).
        ratio = np.interp(cuts + self.indifference, grid.points, log_likelihood) - np.interp(
            cuts - self.indifference, grid.points, log_likelihood
        )
        error = 1.0 - self.confidence
        above = ratio >= np.log((1.0 - error) / error)
        below = ratio <= np.log(error / (1.0 - error))
        # Decided iff cuts read above...above, below...below with no undecided cut between.
        n_above = int(np.argmin(above)) if not above.all() else above.size
        return bool(np.all(below[n_above:]))


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
