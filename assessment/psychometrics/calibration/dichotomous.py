"""Right/wrong items under the Rasch, 1PL, 2PL and 3PL models: start values and the M-step.

Inside the EM the items are held in slope-intercept form, z = a·θ + d with d = -a·b, because
the 2PL M-step is then a weighted logistic regression on the quadrature points, concave in
(a, d), which Newton solves in a few steps. The 3PL lower asymptote c rides along in the same
Fisher-scoring step. Results are reported in the usual (a, b, c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logit

from assessment.psychometrics.calibration.optimize import newton_ascent
from assessment.psychometrics.calibration.quadrature import Priors
from assessment.psychometrics.models import FloatArray

BoolArray = NDArray[np.bool_]

DICHOTOMOUS_MODELS = ("rasch", "1pl", "2pl", "3pl")
A_BOUNDS = (0.01, 20.0)
C_BOUNDS = (1e-6, 0.95)
D_BOUND = 100.0
# Which of (a, d, c) each model estimates; the 1PL's a is one value shared by all items.
FREE = {
    "rasch": (False, True, False),
    "1pl": (True, True, False),
    "2pl": (True, True, False),
    "3pl": (True, True, True),
}
RIDGE = 1e-9


def _softplus(z: FloatArray) -> FloatArray:
    return np.logaddexp(0.0, z)


@dataclass(eq=False)
class DichotomousItems:
    """Working parameters of m right/wrong items; anchored items keep theirs."""

    model: str
    a: FloatArray
    d: FloatArray
    c: FloatArray
    anchored: BoolArray
    priors: Priors

    @classmethod
    def start(
        cls,
        model: str,
        category_counts: NDArray[np.intp],
        *,
        anchors: dict[int, tuple[float, float, float]],
        priors: Priors,
        locations: FloatArray | None = None,
    ) -> DichotomousItems:
        """Start values from each item's proportion correct, shifted to the mean ability of its
        respondents (``locations``, see ``start.py``); anchors (index -> a, b, c) fixed."""
        if model not in FREE:
            raise ValueError(f"unknown dichotomous model {model!r}; expected one of {', '.join(FREE)}")
        m = category_counts.shape[0]
        p = (category_counts[:, 1] + 0.5) / (category_counts.sum(axis=1) + 1.0)
        guess = 0.0
        if model == "3pl":
            guess = 0.2 if priors.c is None else (priors.c[0] - 1) / (priors.c[0] + priors.c[1] - 2)
        p_true = np.clip((p - guess) / (1 - guess), 0.02, 0.98)
        # With a=1 and a N(0,1) population the marginal logit is about the intercept / 1.2.
        items = cls(
            model=model,
            a=np.ones(m),
            d=1.2 * logit(p_true) - (0.0 if locations is None else locations),
            c=np.full(m, max(guess, C_BOUNDS[0]) if model == "3pl" else 0.0),
            anchored=np.zeros(m, dtype=bool),
            priors=priors,
        )
        for index, (a, b, c) in anchors.items():
            items.a[index], items.d[index], items.c[index] = a, -a * b, c
            items.anchored[index] = True
        if model == "1pl" and (~items.anchored).any():
            items.a[~items.anchored] = 1.0
        return items

    @property
    def n_items(self) -> int:
        return int(self.a.size)

    @property
    def n_categories(self) -> NDArray[np.intp]:
        return np.full(self.n_items, 2, dtype=np.intp)

    @property
    def b(self) -> FloatArray:
        return -self.d / self.a

    @property
    def parameters_per_item(self) -> int:
        """Parameters each item spends on its own (the 1PL's shared slope counts for none)."""
        return {"rasch": 1, "1pl": 1, "2pl": 2, "3pl": 3}[self.model]

    def parameter_vector(self) -> FloatArray:
        return np.concatenate([self.a, self.b, self.c])

    def rescale(self, shift: float, scale: float) -> None:
        """z = a·(shift + scale·θ') + d: the same curves over the rescaled abilities."""
        free = ~self.anchored
        self.d[free] += self.a[free] * shift
        self.a[free] *= scale

    def slope_log_prior(self, scale: float) -> float:
        free = ~self.anchored
        if self.model == "rasch" or not free.any():
            return 0.0
        slopes = self.a[free][:1] if self.model == "1pl" else self.a[free]
        return float(self.priors.log_density_a(slopes * scale).sum())

    def log_probabilities(self, theta: FloatArray) -> FloatArray:
        """log P(wrong) and log P(right) at each ability, shape ``(m, 2, len(theta))``."""
        z = self.a[:, np.newaxis] * theta + self.d[:, np.newaxis]
        with np.errstate(divide="ignore"):
            log_c = np.log(self.c)[:, np.newaxis]
        log_rest = np.log1p(-self.c)[:, np.newaxis]
        return np.stack([log_rest - _softplus(z), np.logaddexp(log_c, log_rest - _softplus(-z))], axis=1)

    def maximize(self, counts: FloatArray, theta: FloatArray) -> None:
        """M-step: maximise the expected complete-data log-posterior given counts ``(m, 2, Q)``."""
        free = ~self.anchored
        if not free.any():
            return
        n = counts[free].sum(axis=1)
        r = counts[free, 1]
        shared = self.model == "1pl"
        # A prior on the 1PL's common slope counts once, not once per item.
        prior_weight = 1.0 / free.sum() if shared else 1.0
        estimated = np.array(FREE[self.model])

        def objective(params: FloatArray) -> FloatArray:
            return self._objective(params, n, r, theta, prior_weight)

        def direction(params: FloatArray) -> FloatArray:
            return self._direction(params, n, r, theta, estimated, shared, prior_weight)

        start = np.stack([self.a[free], self.d[free], self.c[free]], axis=1)
        params = newton_ascent(start, objective, direction, self._project, joint=shared)
        self.a[free], self.d[free], self.c[free] = params.T

    def _objective(
        self, params: FloatArray, n: FloatArray, r: FloatArray, theta: FloatArray, prior_weight: float
    ) -> FloatArray:
        a, d, c = params.T
        z = a[:, np.newaxis] * theta + d[:, np.newaxis]
        log_rest = np.log1p(-c)[:, np.newaxis]
        with np.errstate(divide="ignore"):
            log_right = np.logaddexp(np.log(c)[:, np.newaxis], log_rest - _softplus(-z))
        log_wrong = log_rest - _softplus(z)
        value = (r * log_right + (n - r) * log_wrong).sum(axis=1)
        return value + prior_weight * self.priors.log_density_a(a) + self.priors.log_density_c(c)

    def _direction(
        self,
        params: FloatArray,
        n: FloatArray,
        r: FloatArray,
        theta: FloatArray,
        estimated: BoolArray,
        shared: bool,
        prior_weight: float,
    ) -> FloatArray:
        """Fisher-scoring step (the exact Newton step for c = 0)."""
        a, d, c = params.T
        s = expit(a[:, np.newaxis] * theta + d[:, np.newaxis])
        cc = c[:, np.newaxis]
        p = cc + (1 - cc) * s
        # Every ratio below has P, never 1-P, in its denominator: 1-P = (1-c)(1-s) cancels.
        residual = (r - n * p) * s / p
        gradient = np.stack(
            [(residual * theta).sum(axis=1), residual.sum(axis=1), ((r - n * p) / (p * (1 - cc))).sum(axis=1)], axis=1
        )
        w = n * (1 - cc) * s * s * (1 - s) / p
        wc = n * s * (1 - s) / p
        info = np.empty((a.size, 3, 3))
        info[:, 0, 0] = (w * theta**2).sum(axis=1)
        info[:, 0, 1] = info[:, 1, 0] = (w * theta).sum(axis=1)
        info[:, 1, 1] = w.sum(axis=1)
        info[:, 0, 2] = info[:, 2, 0] = (wc * theta).sum(axis=1)
        info[:, 1, 2] = info[:, 2, 1] = wc.sum(axis=1)
        info[:, 2, 2] = (n * (1 - s) / (p * (1 - cc))).sum(axis=1)
        first_a, second_a = self.priors.derivatives_a(a)
        gradient[:, 0] += prior_weight * first_a
        info[:, 0, 0] += prior_weight * np.maximum(-second_a, 0.0)
        if estimated[2]:
            first_c, second_c = self.priors.derivatives_c(c)
            gradient[:, 2] += first_c
            info[:, 2, 2] += np.maximum(-second_c, 0.0)
        if shared:
            return self._shared_slope_step(gradient, info)
        fixed = ~estimated
        gradient[:, fixed] = 0.0
        info[:, fixed, :] = 0.0
        info[:, :, fixed] = 0.0
        info[:, fixed, fixed] = 1.0
        info += RIDGE * np.eye(3)
        return np.linalg.solve(info, gradient[:, :, np.newaxis])[:, :, 0]

    @staticmethod
    def _shared_slope_step(gradient: FloatArray, info: FloatArray) -> FloatArray:
        """Newton step for one common slope and per-item intercepts, by the Schur complement."""
        h_dd = info[:, 1, 1] + RIDGE
        h_ad = info[:, 0, 1]
        schur = info[:, 0, 0].sum() - (h_ad**2 / h_dd).sum()
        step_a = (gradient[:, 0].sum() - (h_ad * gradient[:, 1] / h_dd).sum()) / schur
        step = np.zeros_like(gradient)
        step[:, 0] = step_a
        step[:, 1] = (gradient[:, 1] - h_ad * step_a) / h_dd
        return step

    @staticmethod
    def _project(params: FloatArray) -> FloatArray:
        return np.stack(
            [np.clip(params[:, 0], *A_BOUNDS), np.clip(params[:, 1], -D_BOUND, D_BOUND),
             np.where(params[:, 2] > 0, np.clip(params[:, 2], *C_BOUNDS), 0.0)],
            axis=1,
        )

    # What the standard errors need, in the reported parameters (a, b, c).

    def natural_parameters(self) -> FloatArray:
        return np.stack([self.a, self.b, self.c], axis=1)

    def estimated_mask(self) -> BoolArray:
        """Which of (a, b, c) each item estimates; all False for anchors."""
        a_free, _, c_free = FREE[self.model]
        mask = np.tile(np.array([a_free, True, c_free]), (self.n_items, 1))
        mask[self.anchored] = False
        return mask

    @property
    def shared_slope(self) -> bool:
        return self.model == "1pl"

    def score_tables(self, theta: FloatArray) -> FloatArray:
        """d log P(score k) / d(a, b, c) at each ability, shape ``(m, 2, Q, 3)``."""
        a, b, c = (x[:, np.newaxis] for x in (self.a, self.b, self.c))
        s = expit(a * (theta - b))
        p = c + (1 - c) * s
        slope = (1 - c) * s * (1 - s)
        right = np.stack([slope * (theta - b) / p, -slope * a / p, (1 - s) / p], axis=-1)
        wrong = np.stack([-s * (theta - b), s * a, np.broadcast_to(-1 / (1 - c), s.shape)], axis=-1)
        return np.stack([wrong, right], axis=1)

    def prior_information(self) -> FloatArray:
        """Minus the second derivative of the log-prior in (a, b, c), shape ``(m, 3)``."""
        info = np.zeros((self.n_items, 3))
        info[:, 0] = -self.priors.derivatives_a(self.a)[1]
        if self.model == "3pl":
            info[:, 2] = -self.priors.derivatives_c(self.c)[1]
        return info
