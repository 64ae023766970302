"""Ability estimation: EAP on a quadrature grid, MAP and MLE, each with a standard error.

Items are 3PL (responses 0/1) or GPCM (category scores 0..K-1), or a mix; NaN marks an item
that was not administered. Responses are one vector ``(m,)`` or a matrix ``(N, m)``; the
estimates follow (floats for one vector, arrays for a matrix).

EAP works from per-item tables of log category probabilities at the grid points, so that an
adaptive test can keep the running log-likelihood on the grid and add one table row per
response instead of recomputing it (see :class:`QuadratureGrid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assessment.psychometrics.models import PROBABILITY_FLOOR, FloatArray, prob_gpcm

IntArray = NDArray[np.intp]

# Tables hold log(floor) rather than -inf for impossible categories: one-hot products would
# otherwise turn 0 * -inf into NaN.
LOG_FLOOR = float(np.log(PROBABILITY_FLOOR))
MLE_BOUNDS = (-4.0, 4.0)
MAP_BOUNDS = (-6.0, 6.0)


class ItemSet(Protocol):
    """What the estimators need from a set of calibrated items."""

    @property
    def n_items(self) -> int: ...

    @property
    def n_categories(self) -> int: ...

    def category_log_probabilities(self, theta: FloatArray) -> FloatArray:
        """log P(category k) of each item at each theta, shape ``(m, K, len(theta))``."""
        ...

    def derivatives(self, theta: FloatArray, responses: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """First and second derivative of the log-likelihood and the Fisher information.

        ``theta`` has shape ``(N,)`` and ``responses`` ``(N, m)``; each result has shape ``(N,)``.
        """
        ...


@dataclass(frozen=True, eq=False)
class ThreePLItems:
    """Right/wrong items under the 3PL model (2PL with c=0, Rasch/1PL with a fixed too)."""

    a: FloatArray
    b: FloatArray
    c: FloatArray

    @classmethod
    def of(cls, a: ArrayLike, b: ArrayLike, c: ArrayLike = 0.0) -> ThreePLItems:
        """Broadcast and check parameters; raises ValueError on a<=0 or c outside [0, 1)."""
        a_, b_, c_ = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=np.float64)) for x in (a, b, c)))
        if np.any(a_ <= 0) or np.any((c_ < 0) | (c_ >= 1)) or not np.all(np.isfinite(b_)):
            raise ValueError("3PL items need a > 0, finite b and 0 <= c < 1")
        return cls(a_.copy(), b_.copy(), c_.copy())

    @property
    def n_items(self) -> int:
        return int(self.a.shape[0])

    @property
    def n_categories(self) -> int:
        return 2

    def category_log_probabilities(self, theta: FloatArray) -> FloatArray:
        logistic = 1.0 / (1.0 + np.exp(-self.a[:, np.newaxis] * (theta - self.b[:, np.newaxis])))
        p = self.c[:, np.newaxis] + (1.0 - self.c[:, np.newaxis]) * logistic
        p = np.clip(p, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
        return np.stack([np.log1p(-p), np.log(p)], axis=1)

    def derivatives(self, theta: FloatArray, responses: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        return derivatives_3pl(theta, responses, self.a, self.b, self.c)


def derivatives_3pl(
    theta: FloatArray, responses: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Closed-form derivatives of the 3PL log-likelihood, summed over answered items.

    With L the logistic part and P = c + (1-c)L: l' = a (L/P)(u-P),
    l'' = a² L(1-L) [c(u-P)/P² - (1-c)L/P], and Fisher information a²(1-c)L²(1-L)/P.
    """
    missing = np.isnan(responses)
    any_missing = bool(missing.any())
    u = np.where(missing, 0.0, responses) if any_missing else responses
    logistic = 1.0 / (1.0 + np.exp(-a * (theta[:, np.newaxis] - b)))
    p = np.clip(c + (1.0 - c) * logistic, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
    residual = u - p
    slope = a * a * logistic * (1.0 - logistic)
    l_over_p = logistic / p
    first = a * l_over_p * residual
    second = slope * (c * residual / (p * p) - (1.0 - c) * l_over_p)
    information = slope * (1.0 - c) * l_over_p
    if any_missing:
        for terms in (first, second, information):
            terms[missing] = 0.0
    return first.sum(axis=-1), second.sum(axis=-1), information.sum(axis=-1)


@dataclass(frozen=True, eq=False)
class GPCMItems:
    """Items scored in several categories under the generalized partial credit model."""

    a: FloatArray
    steps: FloatArray  # (m, K-1), NaN-padded for items with fewer categories

    @classmethod
    def of(cls, a: ArrayLike, steps: ArrayLike) -> GPCMItems:
        """Check parameters; raises ValueError on a<=0 or an item without a step."""
        a_ = np.atleast_1d(np.asarray(a, dtype=np.float64))
        steps_ = np.atleast_2d(np.asarray(steps, dtype=np.float64))
        if steps_.shape[0] != a_.shape[0] or np.any(a_ <= 0) or np.any(np.isnan(steps_[:, 0])):
            raise ValueError("GPCM items need a > 0 and at least one step per item, one row of steps each")
        return cls(a_.copy(), steps_.copy())

    @property
    def n_items(self) -> int:
        return int(self.a.shape[0])

    @property
    def n_categories(self) -> int:
        return int(self.steps.shape[1] + 1)

    def category_log_probabilities(self, theta: FloatArray) -> FloatArray:
        p = prob_gpcm(theta, self.a, self.steps)  # (G, m, K)
        return np.log(np.clip(p, PROBABILITY_FLOOR, 1.0)).transpose(1, 2, 0)

    def derivatives(self, theta: FloatArray, responses: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        # GPCM is an exponential family in theta: l' = a(x - E[X]), l'' = -a² Var[X] = -information.
        answered = ~np.isnan(responses)
        x = np.where(answered, responses, 0.0)
        p = prob_gpcm(theta, self.a, self.steps)  # (N, m, K)
        k = np.arange(p.shape[-1], dtype=np.float64)
        mean = (p * k).sum(axis=-1)
        variance = (p * k * k).sum(axis=-1) - mean * mean
        first = np.where(answered, self.a * (x - mean), 0.0).sum(axis=-1)
        information = np.where(answered, self.a**2 * variance, 0.0).sum(axis=-1)
        return first, -information, information


@dataclass(frozen=True, eq=False)
class MixedItems:
    """A test mixing models: each part owns the listed positions of the response vector."""

    parts: tuple[tuple[ItemSet, IntArray], ...]
    n_items: int

    @classmethod
    def of(cls, parts: Sequence[tuple[ItemSet, ArrayLike]]) -> MixedItems:
        """Raises ValueError unless the parts' positions cover 0..m-1 exactly once."""
        owned = [(items, np.asarray(positions, dtype=np.intp)) for items, positions in parts]
        every = np.sort(np.concatenate([positions for _, positions in owned]))
        if not np.array_equal(every, np.arange(every.size)):
            raise ValueError("the parts' positions must cover 0..m-1 exactly once")
        for items, positions in owned:
            if items.n_items != positions.size:
                raise ValueError("each part needs one position per item")
        return cls(tuple(owned), int(every.size))

    @property
    def n_categories(self) -> int:
        return max(items.n_categories for items, _ in self.parts)

    def category_log_probabilities(self, theta: FloatArray) -> FloatArray:
        table = np.full((self.n_items, self.n_categories, theta.shape[-1]), LOG_FLOOR)
        for items, positions in self.parts:
            table[positions, : items.n_categories] = items.category_log_probabilities(theta)
        return table

    def derivatives(self, theta: FloatArray, responses: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        totals = [np.zeros(theta.shape[0]) for _ in range(3)]
        for items, positions in self.parts:
            for total, part in zip(totals, items.derivatives(theta, responses[:, positions]), strict=True):
                total += part
        return totals[0], totals[1], totals[2]


@dataclass(frozen=True)
class NormalPrior:
    """Normal prior on ability; MAP needs its derivatives, EAP its density on the grid."""

    mean: float = 0.0
    sd: float = 1.0

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise ValueError("the prior's standard deviation must be positive")

    def log_density(self, theta: FloatArray) -> FloatArray:
        return -0.5 * ((theta - self.mean) / self.sd) ** 2


@dataclass(frozen=True, eq=False)
class QuadratureGrid:
    """Equally spaced ability points with the log prior weight of each.

    The grid is fixed on the ability scale (not scaled by the prior) so that narrow posteriors
    late in a test are still resolved; the rectangle rule on an equally spaced grid is
    spectrally accurate for these smooth, fast-decaying integrands.
    """

    points: FloatArray
    log_prior: FloatArray  # normalised so that sum(exp(log_prior)) == 1

    @classmethod
    def normal(
        cls, mean: float = 0.0, sd: float = 1.0, *, lower: float = -6.0, upper: float = 6.0, n_points: int = 121
    ) -> QuadratureGrid:
        """A grid on [lower, upper] weighted by a N(mean, sd²) prior."""
        points = np.linspace(lower, upper, n_points)
        return cls.from_log_density(points, NormalPrior(mean, sd).log_density(points))

    @classmethod
    def from_log_density(cls, points: ArrayLike, log_density: ArrayLike) -> QuadratureGrid:
        """A grid with any prior, e.g. an empirical histogram; points must be equally spaced."""
        points_ = np.asarray(points, dtype=np.float64)
        log_density_ = np.asarray(log_density, dtype=np.float64)
        spacing = np.diff(points_)
        if points_.ndim != 1 or points_.size < 3 or log_density_.shape != points_.shape:
            raise ValueError("a grid needs at least three points and one log density per point")
        if not np.allclose(spacing, spacing[0]) or spacing[0] <= 0:
            raise ValueError("grid points must be increasing and equally spaced")
        log_prior = log_density_ - log_density_.max()
        log_prior -= np.log(np.exp(log_prior).sum())
        return cls(points_, log_prior)

    @property
    def spacing(self) -> float:
        return float(self.points[1] - self.points[0])

    def log_likelihood(self, items: ItemSet, responses: ArrayLike) -> FloatArray:
        """Log-likelihood of each response vector at each grid point, shape ``(..., G)``."""
        u = np.asarray(responses, dtype=np.float64)
        table = items.category_log_probabilities(self.points)
        return log_likelihood_from_table(table, u)

    def moments(self, log_likelihood: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and standard deviation from log-likelihoods on the grid (``(..., G)``)."""
        log_post = log_likelihood + self.log_prior
        weights = np.exp(log_post - log_post.max(axis=-1, keepdims=True))
        total = weights.sum(axis=-1)
        mean = weights @ self.points / total
        second = weights @ (self.points * self.points) / total
        return mean, np.sqrt(np.maximum(second - mean * mean, 0.0))


def log_likelihood_from_table(table: FloatArray, responses: FloatArray) -> FloatArray:
    """Sum table rows ``(m, K, G)`` chosen by responses ``(..., m)``; NaN responses add nothing."""
    total = np.zeros((*responses.shape[:-1], table.shape[-1]))
    for k in range(table.shape[1]):
        total += (responses == k).astype(np.float64) @ table[:, k, :]
    return total


@dataclass(frozen=True)
class AbilityEstimate:
    """An ability estimate with its standard error; ``at_bound`` flags an MLE clamped to its range."""

    theta: float | FloatArray
    se: float | FloatArray
    method: str
    at_bound: bool | NDArray[np.bool_] = False


def _shape_out(value: FloatArray, single: bool) -> float | FloatArray:
    return float(value[0]) if single else value


def _as_matrix(items: ItemSet, responses: ArrayLike) -> tuple[FloatArray, bool]:
    u = np.asarray(responses, dtype=np.float64)
    single = u.ndim == 1
    u = np.atleast_2d(u)
    if u.ndim != 2 or u.shape[1] != items.n_items:
        raise ValueError(f"responses must have {items.n_items} columns, one per item")
    answered = u[~np.isnan(u)]
    if np.any((answered < 0) | (answered >= items.n_categories) | (answered != np.round(answered))):
        raise ValueError(f"responses must be category numbers 0..{items.n_categories - 1} or NaN")
    return u, single


def eap(items: ItemSet, responses: ArrayLike, grid: QuadratureGrid | None = None) -> AbilityEstimate:
    """Expected a posteriori ability and posterior SD; always finite, whatever the pattern."""
    grid = grid or QuadratureGrid.normal()
    u, single = _as_matrix(items, responses)
    mean, sd = grid.moments(grid.log_likelihood(items, u))
    return AbilityEstimate(_shape_out(mean, single), _shape_out(sd, single), "eap")


def map_estimate(
    items: ItemSet,
    responses: ArrayLike,
    prior: NormalPrior | None = None,
    *,
    bounds: tuple[float, float] = MAP_BOUNDS,
) -> AbilityEstimate:
    """Maximum a posteriori ability; SE = 1/sqrt(test information + prior precision)."""
    prior = prior or NormalPrior()
    u, single = _as_matrix(items, responses)
    theta = find_mode(items, u, prior=prior, bounds=bounds)
    _, _, information = items.derivatives(theta, u)
    se = 1.0 / np.sqrt(information + 1.0 / prior.sd**2)
    return AbilityEstimate(_shape_out(theta, single), _shape_out(se, single), "map")


def mle(items: ItemSet, responses: ArrayLike, *, bounds: tuple[float, float] = MLE_BOUNDS) -> AbilityEstimate:
    """Maximum likelihood ability on a bounded range; SE = 1/sqrt(test information).

    All-right and all-wrong patterns (and 3PL patterns whose likelihood keeps rising towards a
    guessing plateau) have no interior maximum: the estimate is then the nearer bound of the
    range, as in catR, flagged with ``at_bound`` so callers can tell it from a real maximum.
    """
    u, single = _as_matrix(items, responses)
    theta = find_mode(items, u, prior=None, bounds=bounds)
    first, _, information = items.derivatives(theta, u)
    lower, upper = bounds
    at_bound = ((theta <= lower) & (first <= 0)) | ((theta >= upper) & (first >= 0))
    with np.errstate(divide="ignore"):
        se = 1.0 / np.sqrt(information)
    return AbilityEstimate(
        _shape_out(theta, single),
        _shape_out(se, single),
        "mle",
        bool(at_bound[0]) if single else at_bound,
    )


def find_mode(
    items: ItemSet,
    responses: FloatArray,
    *,
    prior: NormalPrior | None,
    bounds: tuple[float, float],
    start: FloatArray | None = None,
    max_step: float = 0.5,
    tolerance: float = 1e-9,
    max_iterations: int = 50,
) -> FloatArray:
    """Maximise the log-likelihood (plus the log prior, if any) for each row of ``responses``.

    Starts from the best point of a fine grid inside the bounds, so a multimodal 3PL likelihood
    does not trap the search in a minor peak, then takes Newton steps (Fisher scoring where the
    function is not concave) no longer than the grid spacing. A caller that already knows the
    best grid point (an adaptive test keeps the log-likelihood on its grid) passes it as
    ``start`` with its grid spacing as ``max_step``.
    """
    lower, upper = bounds
    if start is None:
        points = np.linspace(lower, upper, max(round((upper - lower) / 0.1) + 1, 3))
        objective = log_likelihood_from_table(items.category_log_probabilities(points), responses)
        if prior is not None:
            objective = objective + prior.log_density(points)
        theta = points[np.argmax(objective, axis=-1)]
        max_step = float(points[1] - points[0])
    else:
        theta = np.clip(np.asarray(start, dtype=np.float64), lower, upper)
    precision = 0.0 if prior is None else 1.0 / prior.sd**2
    for _ in range(max_iterations):
        first, second, information = items.derivatives(theta, responses)
        if prior is not None:
            first = first - (theta - prior.mean) * precision
            second = second - precision
        curvature = np.where(second < 0, -second, information + precision)
        step = np.clip(first / np.maximum(curvature, 1e-12), -max_step, max_step)
        new_theta = np.clip(theta + step, lower, upper)
        moved = np.abs(new_theta - theta)
        theta = new_theta
        if moved.max(initial=0.0) < tolerance:
            break
    return theta
