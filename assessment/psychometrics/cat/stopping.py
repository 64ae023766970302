"""When an adaptive test ends: length limits, a standard-error target, a classification decision.

The classification stop ends the test once the level is decided with the configured
confidence c. Each of its three rules reads the posterior on the quadrature grid:

- ``posterior`` (default): the most probable level has posterior probability >= c. With a
  prior matching the population this is the Bayes rule, and its decisions are right about
  as often as the confidence says.
- ``ci``: the interval theta ± z·SE (two-sided, at the confidence) lies inside one level.
- ``sprt``: at each cut a sequential probability ratio test of cut-δ against cut+δ (error
  rates 1-c each); the level is decided once the highest cut the examinee is shown to be
  above and the lowest cut they are shown to be below enclose a single level.

With ``curtail`` (on by default) each rule also stops once the items left before the maximum
length would leave the level unchanged with probability >= c (stochastic curtailment,
Finkelman 2008): an examinee whose level a full-length test would confirm anyway is not
given items that cannot change it. So a test stops when its level is right with posterior
probability >= c, or when the full-length test would give the same level with probability
>= c; higher c means longer, more accurate tests. Without curtailment, examinees near a cut
run to the maximum length whatever c is, which is where the posterior rule alone spends its
items.
"""

from __future__ import annotations

import math
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
# With curtailment: 20-21 items of 30, within about a point of the 30-item accuracy, on simulated
# 3PL banks of 1,000 and 10,000 items (bench/cat_vs_catsim.py prints the trade-off curve).
DEFAULT_CONFIDENCE = 0.92

# decided(log_likelihood, theta, se, future_information): the last argument is called only when
# the rule itself has not decided, since the engine computes it from the whole pool.
Decision = Callable[[FloatArray, float, float, Callable[[], float]], bool]


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def probability_level_holds(scale: LevelScale, theta: float, se: float, future_information: float) -> float:
    """Probability that more items leave the level of the ability estimate unchanged.

    Normal approximation: with the posterior N(theta, se²) and items adding Fisher information
    J, the posterior mean after them is distributed N(theta, τ²) with τ² = se² - 1/(1/se² + J)
    = se⁴J / (1 + se²J) (the preposterior distribution), so the level holds with probability
    Φ((upper - theta)/τ) - Φ((lower - theta)/τ) for the bounds of the current level.
    """
    if future_information <= 0.0:
        return 1.0
    variance = se * se
    tau = math.sqrt(variance * variance * future_information / (1.0 + variance * future_information))
    if tau == 0.0:
        return 1.0
    cuts = scale.cuts
    level = int(np.searchsorted(cuts, theta, side="right"))
    above = _normal_cdf((cuts[level] - theta) / tau) if level < len(cuts) else 1.0
    below = _normal_cdf((cuts[level - 1] - theta) / tau) if level > 0 else 0.0
    return above - below


@dataclass(frozen=True)
class ClassificationStop:
    """Stop once the examinee's level is decided with the given confidence (see the module doc)."""

    scale: LevelScale
    confidence: float = DEFAULT_CONFIDENCE
    method: ClassificationMethod = "posterior"
    indifference: float = 0.2  # SPRT half-width δ around each cut
    curtail: bool = True

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError("classification confidence must be in [0.5, 1)")
        if self.method not in CLASSIFICATION_METHODS:
            raise ValueError(f"classification method must be one of {', '.join(CLASSIFICATION_METHODS)}")
        if self.indifference <= 0:
            raise ValueError("the SPRT indifference half-width must be positive")

    def bind(self, grid: QuadratureGrid) -> Decision:
        """A check ``decided(log_likelihood, theta, se, future_information)`` with the grid work done once.

        ``future_information`` returns the Fisher information the items left before the
        maximum length are expected to add (0 when none are left); it is called only for the
        curtailment, after the rule itself has not decided.
        """
        rule = self._rule(grid)
        if not self.curtail:
            return lambda log_likelihood, theta, se, future_information: rule(log_likelihood, theta, se)
        scale, confidence = self.scale, self.confidence

        def decided(
            log_likelihood: FloatArray, theta: float, se: float, future_information: Callable[[], float]
        ) -> bool:
            if rule(log_likelihood, theta, se):
                return True
            return probability_level_holds(scale, theta, se, future_information()) >= confidence

        return decided

    def decided(
        self, grid: QuadratureGrid, log_likelihood: FloatArray, theta: float, se: float, future_information: float
    ) -> bool:
        """Whether the responses so far decide the level (binds afresh: prefer :meth:`bind` in loops)."""
        return self.bind(grid)(log_likelihood, theta, se, lambda: future_information)

    def _rule(self, grid: QuadratureGrid) -> Callable[[FloatArray, float, float], bool]:
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


@dataclass(frozen=True)
class StoppingRule:
    """Length limits plus optional precision and classification targets.

    The classification and SE stops are checked only once the minimum length and the
    blueprint's skill minimums are met.
    """

    min_items: int = 1
    max_items: int = 30
    se_threshold: float | None = None
    classification: ClassificationStop | None = None

    def __post_init__(self) -> None:
        if self.min_items < 0 or self.max_items < 1 or self.min_items > self.max_items:
            raise ValueError("lengths need 0 <= min_items <= max_items and max_items >= 1")
        if self.se_threshold is not None and not self.se_threshold > 0:
            raise ValueError("the standard-error threshold must be positive")
