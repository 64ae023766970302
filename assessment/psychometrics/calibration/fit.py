"""Item fit: grouped residuals against the leave-item-out posterior prediction.

S-X2 (Orlando & Thissen) groups persons by their summed score on the other items, which needs
every person to take the same items; adaptive-test data has no such score. This statistic keeps
its two ideas and works on any missing-data pattern:

* each response x_ij is predicted from the person's *other* responses: with the posterior
  without item i, π_ij = E[X_i | x_j,-i] and v_ij = Var[X_i | x_j,-i] (posterior predictive);
* the item's respondents are split into G groups of equal size by the ability estimated from
  their other responses (the EAP without item i), and

      X²_i = Σ_g (Σ_{j in g} (x_ij - π_ij))² / Σ_{j in g} v_ij.

Given the other responses, x_ij is independent of both π_ij and the grouping (local
independence), so under the model each group's standardised sum is about N(0, 1) and X²_i is
about χ² with G degrees of freedom; the item's own estimated parameters take some away, and
df = G - (parameters per item) is reported, as for Yen's Q1. Residuals of a misfitting item
trend with ability, which the grouping picks up. Groups hold at least ``MIN_GROUP`` responses;
an item with too few responses for df >= 1 gets NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from assessment.psychometrics.calibration.data import Design, ResponseData
from assessment.psychometrics.calibration.em import pair_values, posteriors
from assessment.psychometrics.calibration.quadrature import Population, Quadrature
from assessment.psychometrics.models import FloatArray

MIN_GROUP = 30
# exp(-log P) is capped so that 1/P stays finite for categories the model all but rules out.
MAX_LOG_RATIO = 700.0


@dataclass(frozen=True)
class ItemFit:
    x2: FloatArray
    df: NDArray[np.intp]
    p_value: FloatArray


def leave_one_out_predictions(
    design: Design, data: ResponseData, log_p: FloatArray, quadrature: Quadrature, population: Population
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For every response: predicted mean and variance of its score and the ability estimate, all
    from the posterior without that response (posterior / P(x | θ), renormalised)."""
    theta = quadrature.abilities(population)
    valid = np.arange(log_p.shape[1]) < design.n_categories[:, np.newaxis]
    p = np.exp(log_p)
    k = np.arange(log_p.shape[1], dtype=np.float64)[:, np.newaxis]
    expected = (k * p).sum(axis=1)  # (m, Q)
    second = (k * k * p).sum(axis=1)
    inverse = np.exp(np.minimum(-log_p, MAX_LOG_RATIO))[valid]  # (columns, Q)
    item_of_column = np.repeat(np.arange(log_p.shape[0]), design.n_categories)
    # For right/wrong items E[X²] = E[X], so that column is only integrated for polytomous ones.
    parts = [np.ones_like(expected), expected, np.broadcast_to(theta, expected.shape)]
    if log_p.shape[1] > 2:
        parts.append(second)
    table = inverse[:, :, np.newaxis] * np.stack(parts, axis=-1)[item_of_column]
    mean = np.empty(data.n_responses)
    variance = np.empty(data.n_responses)
    ability = np.empty(data.n_responses)
    for chunk, post, _ in posteriors(design, log_p, quadrature.log_weights):
        sums = pair_values(design, data, chunk, post, table)
        with np.errstate(divide="ignore", invalid="ignore"):
            sums[:, 1:] /= sums[:, :1]
        chunk_second = sums[:, 3] if log_p.shape[1] > 2 else sums[:, 1]
        mean[chunk.pairs] = sums[:, 1]
        variance[chunk.pairs] = np.maximum(chunk_second - sums[:, 1] ** 2, 0.0)
        ability[chunk.pairs] = sums[:, 2]
    return mean, variance, ability


def item_fit(
    design: Design,
    data: ResponseData,
    log_p: FloatArray,
    quadrature: Quadrature,
    population: Population,
    parameters_per_item: NDArray[np.intp] | int,
    n_groups: int = 10,
) -> ItemFit:
    """X², degrees of freedom and p-value of every item (see the module docstring)."""
    mean, variance, ability = leave_one_out_predictions(design, data, log_p, quadrature, population)
    counts = data.responses_per_item
    groups = np.minimum(counts // MIN_GROUP, n_groups)
    # One sort orders responses by item, then by ability (abilities lie well inside ±100). Persons
    # with the same other answers share an ability up to rounding that differs with their answer
    # to this item; rounded, such ties keep data order instead of sorting by the answer.
    key = data.item * 256.0 + np.round(np.clip(ability, -100.0, 100.0), 6)
    order = np.argsort(key, kind="stable")
    item = data.item[order]
    starts = np.concatenate([[0], np.cumsum(counts)])
    rank = np.arange(order.size) - starts[item]
    group = rank * groups[item] // np.maximum(counts[item], 1)
    cell = item * n_groups + group
    size = data.n_items * n_groups
    residual = np.bincount(cell, weights=data.score[order] - mean[order], minlength=size).reshape(-1, n_groups)
    spread = np.bincount(cell, weights=variance[order], minlength=size).reshape(-1, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = np.where(spread > 0, residual**2 / spread, 0.0).sum(axis=1)
    df = groups - np.broadcast_to(np.asarray(parameters_per_item), groups.shape)
    usable = df >= 1
    x2 = np.where(usable, x2, np.nan)
    p_value = np.where(usable, chi2.sf(x2, np.maximum(df, 1)), np.nan)
    return ItemFit(x2, np.where(usable, df, 0), p_value)
