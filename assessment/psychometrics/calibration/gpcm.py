"""Items scored in categories 0..K-1 under the (generalized) partial credit model.

Inside the EM an item is held as a slope a and category intercepts d_k, with the category
logits η_k = k·a·θ + d_k (d_0 = 0): the M-step is then a multinomial logistic regression on the
quadrature points, concave in (a, d), solved by batched Newton steps. The reported step
difficulties are b_k = (d_{k-1} - d_k) / a, the parametrisation of ``models.prob_gpcm``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.psychometrics.calibration.dichotomous import A_BOUNDS, D_BOUND, RIDGE
from assessment.psychometrics.calibration.optimize import newton_ascent
from assessment.psychometrics.calibration.quadrature import Priors
from assessment.psychometrics.models import FloatArray

BoolArray = NDArray[np.bool_]

POLYTOMOUS_MODELS = ("pcm", "gpcm")


@dataclass(eq=False)
class PartialCreditItems:
    """Working parameters of m polytomous items; ``params[:, 0]`` is a, ``params[:, k]`` is d_k."""

    model: str
    params: FloatArray  # (m, K) with K the largest number of categories
    n_categories: NDArray[np.intp]
    anchored: BoolArray
    priors: Priors

    @classmethod
    def start(
        cls,
        model: str,
        category_counts: NDArray[np.intp],
        n_categories: NDArray[np.intp],
        *,
        anchors: dict[int, tuple[float, Sequence[float]]],
        priors: Priors,
        locations: FloatArray | None = None,
    ) -> PartialCreditItems:
        """Start values from the category proportions, shifted to the mean ability of each item's
        respondents (``locations``, see ``start.py``); anchors (index -> a, steps) fixed."""
        if model not in POLYTOMOUS_MODELS:
            raise ValueError(f"unknown polytomous model {model!r}; expected pcm or gpcm")
        m, width = category_counts.shape
        valid = np.arange(width) < n_categories[:, np.newaxis]
        share = np.where(valid, category_counts + 0.5, 1.0)
        params = np.zeros((m, width))
        params[:, 0] = 1.0
        params[:, 1:] = np.where(valid[:, 1:], np.log(share[:, 1:] / share[:, :1]), 0.0)
        if locations is not None:
            params[:, 1:] -= np.arange(1, width) * locations[:, np.newaxis]
        items = cls(model, params, n_categories, np.zeros(m, dtype=bool), priors)
        for index, (a, steps) in anchors.items():
            steps_ = np.asarray(steps, dtype=np.float64)
            if steps_.size != n_categories[index] - 1:
                raise ValueError(f"anchor item {index} has {steps_.size} steps for {n_categories[index]} categories")
            items.params[index, 0] = a
            items.params[index, 1 : steps_.size + 1] = -a * np.cumsum(steps_)
            items.anchored[index] = True
        return items

    @property
    def n_items(self) -> int:
        return int(self.params.shape[0])

    @property
    def a(self) -> FloatArray:
        return self.params[:, 0]

    @property
    def valid(self) -> BoolArray:
        return np.arange(self.params.shape[1]) < self.n_categories[:, np.newaxis]

    @property
    def steps(self) -> FloatArray:
        """Step difficulties b_1..b_{K-1}, NaN past an item's last category."""
        d = np.concatenate([np.zeros((self.n_items, 1)), self.params[:, 1:]], axis=1)
        steps = (d[:, :-1] - d[:, 1:]) / self.a[:, np.newaxis]
        return np.where(self.valid[:, 1:], steps, np.nan)

    @property
    def parameters_per_item(self) -> NDArray[np.intp]:
        return self.n_categories - 1 + (self.model == "gpcm")

    def parameter_vector(self) -> FloatArray:
        return np.concatenate([self.a, np.nan_to_num(self.steps).ravel()])

    def rescale(self, shift: float, scale: float) -> None:
        """η_k = k·a·(shift + scale·θ') + d_k: the same curves over the rescaled abilities."""
        free = ~self.anchored
        k = np.arange(1, self.params.shape[1])
        self.params[free, 1:] += k * self.params[free, :1] * shift
        self.params[free, 0] *= scale

    def slope_log_prior(self, scale: float) -> float:
        free = ~self.anchored
        if self.model == "pcm" or not free.any():
            return 0.0
        return float(self.priors.log_density_a(self.params[free, 0] * scale).sum())

    def _log_probabilities(self, params: FloatArray, theta: FloatArray) -> FloatArray:
        k = np.arange(params.shape[1], dtype=np.float64)
        d = np.concatenate([np.zeros((params.shape[0], 1)), params[:, 1:]], axis=1)
        eta = k[:, np.newaxis] * params[:, :1, np.newaxis] * theta + d[:, :, np.newaxis]
        eta = np.where(self.valid[:, :, np.newaxis], eta, -np.inf)
        return eta - np.logaddexp.reduce(eta, axis=1, keepdims=True)

    def log_probabilities(self, theta: FloatArray) -> FloatArray:
        """log P(category k) at each ability, shape ``(m, K, len(theta))``; -inf past the last."""
        return self._log_probabilities(self.params, theta)

    def maximize(self, counts: FloatArray, theta: FloatArray) -> None:
        """M-step given expected counts ``(m, K, Q)`` of each category at each point."""
        free = ~self.anchored
        if not free.any():
            return
        r = counts[free]
        valid = self.valid[free]
        full = PartialCreditItems(self.model, self.params[free], self.n_categories[free], self.anchored[free],
                                  self.priors)

        def objective(params: FloatArray) -> FloatArray:
            log_p = full._log_probabilities(params, theta)
            value = np.where(valid[:, :, np.newaxis], r * np.where(np.isfinite(log_p), log_p, 0.0), 0.0)
            return value.sum(axis=(1, 2)) + self.priors.log_density_a(params[:, 0])

        def direction(params: FloatArray) -> FloatArray:
            return full._direction(params, r, theta)

        self.params[free] = newton_ascent(self.params[free], objective, direction, self._project)

    def _direction(self, params: FloatArray, r: FloatArray, theta: FloatArray) -> FloatArray:
        p = np.exp(self._log_probabilities(params, theta))  # (m, K, Q)
        n = r.sum(axis=1)  # (m, Q)
        k = np.arange(params.shape[1], dtype=np.float64)[:, np.newaxis]
        mean = (k * p).sum(axis=1)
        variance = (k * k * p).sum(axis=1) - mean**2
        residual = r - n[:, np.newaxis] * p
        width = params.shape[1]
        gradient = np.empty_like(params)
        gradient[:, 0] = (theta * (k * residual).sum(axis=1)).sum(axis=1)
        gradient[:, 1:] = residual[:, 1:].sum(axis=2)
        info = np.empty((params.shape[0], width, width))
        info[:, 0, 0] = (n * theta**2 * variance).sum(axis=1)
        cross = ((n * theta)[:, np.newaxis] * p * (k - mean[:, np.newaxis])).sum(axis=2)
        info[:, 0, 1:] = info[:, 1:, 0] = cross[:, 1:]
        pn = p[:, 1:] * n[:, np.newaxis]
        info[:, 1:, 1:] = -np.einsum("ikq,ilq,iq->ikl", p[:, 1:], p[:, 1:], n)
        info[:, np.arange(1, width), np.arange(1, width)] += pn.sum(axis=2)
        first_a, second_a = self.priors.derivatives_a(params[:, 0])
        gradient[:, 0] += first_a
        info[:, 0, 0] += np.maximum(-second_a, 0.0)
        fixed = ~self.valid
        fixed[:, 0] = self.model == "pcm"
        gradient[fixed] = 0.0
        info[fixed[:, :, np.newaxis] | fixed[:, np.newaxis, :]] = 0.0
        rows, cols = np.nonzero(fixed)
        info[rows, cols, cols] = 1.0
        info += RIDGE * np.eye(width)
        return np.linalg.solve(info, gradient[:, :, np.newaxis])[:, :, 0]

    @staticmethod
    def _project(params: FloatArray) -> FloatArray:
        projected = np.clip(params, -D_BOUND * params.shape[1], D_BOUND * params.shape[1])
        projected[:, 0] = np.clip(params[:, 0], *A_BOUNDS)
        return projected

    # What the standard errors need, in the reported parameters (a, b_1..b_{K-1}).

    def natural_parameters(self) -> FloatArray:
        return np.concatenate([self.a[:, np.newaxis], np.nan_to_num(self.steps)], axis=1)

    def estimated_mask(self) -> BoolArray:
        mask = self.valid.copy()
        mask[:, 0] = self.model == "gpcm"
        mask[self.anchored] = False
        return mask

    @property
    def shared_slope(self) -> bool:
        return False

    def score_tables(self, theta: FloatArray) -> FloatArray:
        """d log P(category k) / d(a, b_1, ..., b_{K-1}), shape ``(m, K, Q, K)``."""
        p = np.exp(self.log_probabilities(theta))  # (m, K, Q)
        steps = np.nan_to_num(self.steps)
        cumulative = np.concatenate([np.zeros((self.n_items, 1)), np.cumsum(steps, axis=1)], axis=1)
        k = np.arange(self.params.shape[1], dtype=np.float64)
        slope_term = k[:, np.newaxis] * theta - cumulative[:, :, np.newaxis]  # d eta_k / d a
        d_a = slope_term - (p * slope_term).sum(axis=1, keepdims=True)
        at_least = np.cumsum(p[:, ::-1], axis=1)[:, ::-1]  # P(X >= v), v = 0..K-1
        reached = (np.arange(p.shape[1])[:, np.newaxis] <= np.arange(p.shape[1])).astype(float)  # [v <= k]
        d_b = -self.a[:, np.newaxis, np.newaxis, np.newaxis] * (
            reached.T[np.newaxis, :, np.newaxis, 1:] - at_least.transpose(0, 2, 1)[:, np.newaxis, :, 1:]
        )
        return np.concatenate([d_a[..., np.newaxis], d_b], axis=-1)

    def prior_information(self) -> FloatArray:
        info = np.zeros(self.params.shape)
        if self.model == "gpcm":
            info[:, 0] = -self.priors.derivatives_a(self.a)[1]
        return info
