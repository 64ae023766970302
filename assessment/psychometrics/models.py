"""Item response models as vectorised NumPy kernels.

Every function broadcasts abilities against items: ``theta`` of shape ``S`` and item
parameters of shape ``(m,)`` give arrays of shape ``S + (m,)`` (``S + (m, K)`` for category
probabilities). The logistic metric is used throughout (no 1.7 scaling constant), as in
catsim and girth, so parameters move between the three without conversion.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# Probabilities are kept this far from 0 and 1 so that logs and information stay finite.
PROBABILITY_FLOOR = 1e-12


def _item_axis(theta: ArrayLike) -> FloatArray:
    return np.asarray(theta, dtype=np.float64)[..., np.newaxis]


def prob_3pl(theta: ArrayLike, a: ArrayLike, b: ArrayLike, c: ArrayLike | float = 0.0) -> FloatArray:
    """P(correct) under the 3PL model; Rasch/1PL and 2PL are the special cases c=0 (and a fixed)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    logistic = 1.0 / (1.0 + np.exp(-a * (_item_axis(theta) - b)))
    return c + (1.0 - c) * logistic


def info_3pl(theta: ArrayLike, a: ArrayLike, b: ArrayLike, c: ArrayLike | float = 0.0) -> FloatArray:
    """Fisher information of 3PL items: a² (P-c)² Q / ((1-c)² P)."""
    a = np.asarray(a, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    p = np.clip(prob_3pl(theta, a, b, c), PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
    return a**2 * (p - c) ** 2 * (1.0 - p) / ((1.0 - c) ** 2 * p)


def loglik_3pl(
    theta: ArrayLike, responses: ArrayLike, a: ArrayLike, b: ArrayLike, c: ArrayLike | float = 0.0
) -> FloatArray:
    """Log-likelihood of one response vector (1, 0, or NaN for not administered) at each theta."""
    u = np.asarray(responses, dtype=np.float64)
    answered = ~np.isnan(u)
    p = np.clip(prob_3pl(theta, a, b, c), PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
    terms = np.where(answered, np.where(u == 1.0, np.log(p), np.log1p(-p)), 0.0)
    return terms.sum(axis=-1)


def prob_gpcm(theta: ArrayLike, a: ArrayLike, steps: ArrayLike) -> FloatArray:
    """Category probabilities under the generalized partial credit model.

    ``steps`` has shape ``(m, K-1)``: step difficulties b_1..b_{K-1} of each item, NaN-padded
    for items with fewer categories (their extra categories get probability 0).
    Returns shape ``S + (m, K)``.
    """
    a = np.asarray(a, dtype=np.float64)
    steps = np.atleast_2d(np.asarray(steps, dtype=np.float64))
    t = _item_axis(theta)[..., np.newaxis]  # S + (1, 1)
    increments = a[:, np.newaxis] * (t - steps)  # S + (m, K-1)
    absent = np.isnan(steps)
    cumulative = np.concatenate(
        [np.zeros((*increments.shape[:-1], 1)), np.cumsum(np.where(absent, 0.0, increments), axis=-1)],
        axis=-1,
    )
    cumulative = np.where(
        np.concatenate([np.zeros((*absent.shape[:-1], 1), dtype=bool), absent], axis=-1),
        -np.inf,
        cumulative,
    )
    cumulative -= cumulative.max(axis=-1, keepdims=True)
    weights = np.exp(cumulative)
    return weights / weights.sum(axis=-1, keepdims=True)


def info_gpcm(theta: ArrayLike, a: ArrayLike, steps: ArrayLike) -> FloatArray:
    """Fisher information of GPCM items: a² times the variance of the category score."""
    a = np.asarray(a, dtype=np.float64)
    p = prob_gpcm(theta, a, steps)
    k = np.arange(p.shape[-1], dtype=np.float64)
    mean = (p * k).sum(axis=-1)
    variance = (p * k**2).sum(axis=-1) - mean**2
    return a**2 * variance


def loglik_gpcm(theta: ArrayLike, scores: ArrayLike, a: ArrayLike, steps: ArrayLike) -> FloatArray:
    """Log-likelihood of one vector of category scores (NaN for not administered) at each theta."""
    x = np.asarray(scores, dtype=np.float64)
    answered = ~np.isnan(x)
    p = prob_gpcm(theta, a, steps)
    index = np.where(answered, x, 0).astype(np.intp)
    chosen = np.take_along_axis(p, np.broadcast_to(index[..., np.newaxis], (*p.shape[:-1], 1)), axis=-1)[
        ..., 0
    ]
    terms = np.where(answered, np.log(np.clip(chosen, PROBABILITY_FLOOR, 1.0)), 0.0)
    return terms.sum(axis=-1)
