"""Classical test statistics of a form: p-values, corrected item-total correlations, distractor
analysis, KR-20 and Cronbach's alpha.

They describe a form that a group took (a linear test, a pretest block): ``scores`` is persons ×
items with NaN where a person did not answer. Item statistics use the persons who answered the
item; the rest score of a person is their mean score on the *other* items they answered (for
complete data exactly the rest sum / (m - 1), so the correlation is the usual corrected
item-total point-biserial). Reliability coefficients need complete rows and use only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# Upper and lower groups of distractor analysis: Kelley's 27 %.
GROUP_FRACTION = 0.27


@dataclass(frozen=True)
class ItemStatistics:
    """Per item: respondents, p-value (mean score / maximum score), mean score, corrected
    item-total correlation, and alpha of the form without the item."""

    n: IntArray
    p_value: FloatArray
    mean: FloatArray
    point_biserial: FloatArray
    alpha_if_deleted: FloatArray


@dataclass(frozen=True)
class OptionStatistics:
    """One option of a multiple-choice item: who chose it, and how able they were.

    ``point_biserial`` correlates choosing the option with the rest score: positive for the key,
    negative for a working distractor; ``upper`` and ``lower`` are the shares choosing it in the
    top and bottom 27 % by rest score, ``discrimination`` their difference.
    """

    item: int
    option: str
    is_key: bool
    n: int
    proportion: float
    point_biserial: float
    upper: float
    lower: float

    @property
    def discrimination(self) -> float:
        return self.upper - self.lower


def _matrix(scores: ArrayLike) -> FloatArray:
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ValueError("scores must be persons × items with at least two items")
    return matrix


def _correlation(x: FloatArray, y: FloatArray) -> float:
    """Pearson r; NaN when either variable does not vary."""
    if x.size < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx @ dx) * (dy @ dy))
    return float(dx @ dy / denominator) if denominator > 0 else float("nan")


def rest_scores(scores: ArrayLike) -> FloatArray:
    """Each person's mean score on the items other than each item, persons × items (NaN if none)."""
    matrix = _matrix(scores)
    answered = ~np.isnan(matrix)
    filled = np.where(answered, matrix, 0.0)
    total, count = filled.sum(axis=1, keepdims=True), answered.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total - filled) / (count - answered)


def cronbach_alpha(scores: ArrayLike) -> float:
    """α = k/(k-1) · (1 - Σ item variances / variance of the total), over complete rows."""
    matrix = _matrix(scores)
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if complete.shape[0] < 2:
        return float("nan")
    k = complete.shape[1]
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - complete.var(axis=0, ddof=1).sum() / total_variance))


def kr20(scores: ArrayLike) -> float:
    """Kuder-Richardson 20 for right/wrong items: k/(k-1) · (1 - Σ p·q / σ²_total).

    With p·q and σ² both taken over N (not N - 1), it equals alpha on 0/1 data.
    Raises ValueError on scores other than 0 and 1.
    """
    matrix = _matrix(scores)
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if not np.isin(complete, (0.0, 1.0)).all():
        raise ValueError("KR-20 needs scores 0 or 1; use cronbach_alpha for other scores")
    if complete.shape[0] < 2:
        return float("nan")
    k = complete.shape[1]
    p = complete.mean(axis=0)
    total_variance = complete.sum(axis=1).var()
    if total_variance == 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - (p * (1 - p)).sum() / total_variance))


def item_statistics(scores: ArrayLike, max_scores: ArrayLike | None = None) -> ItemStatistics:
    """Classical statistics of every item. ``max_scores`` default to each item's highest score
    observed (1 for right/wrong items, also one nobody got right: its p-value is 0), which turns the mean into a
    p-value."""
    matrix = _matrix(scores)
    answered = ~np.isnan(matrix)
    n = answered.sum(axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.where(n > 0, np.where(answered, matrix, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)
    if max_scores is None:
        observed = np.nanmax(np.where(answered, matrix, -np.inf), axis=0)
        top = np.where(observed > 0, observed, np.where(n > 0, 1.0, np.nan))  # all wrong: out of 1, not unknown
    else:
        top = np.asarray(max_scores)
    top = np.where(np.isfinite(top) & (top > 0), top, np.nan).astype(np.float64)
    rest = rest_scores(matrix)
    correlation = np.array([
        _correlation(matrix[usable, i], rest[usable, i])
        for i in range(matrix.shape[1])
        for usable in [answered[:, i] & ~np.isnan(rest[:, i])]
    ])
    alpha_without = np.array([
        cronbach_alpha(np.delete(matrix, i, axis=1)) if matrix.shape[1] > 2 else float("nan")
        for i in range(matrix.shape[1])
    ])
    return ItemStatistics(n=n, p_value=mean / top, mean=mean, point_biserial=correlation,
                          alpha_if_deleted=alpha_without)


def distractor_analysis(
    choices: ArrayLike, keys: Sequence[object], *, options: Sequence[Sequence[object]] | None = None
) -> list[OptionStatistics]:
    """Statistics of every option of every multiple-choice item.

    ``choices`` is persons × items of the chosen option labels, None or "" where not answered;
    ``keys`` the correct option of each item. Options default to those anyone chose plus the
    key; pass ``options`` to report options nobody chose too (a distractor that attracts nobody
    is a finding). A person's ability is their rest score: the share of the other items they
    answered correctly.
    """
    chosen = np.asarray(choices, dtype=object)
    if chosen.ndim != 2 or chosen.shape[1] != len(keys):
        raise ValueError("choices must be persons × items with one key per item")
    answered = np.vectorize(lambda value: value is not None and value == value and value != "", otypes=[bool])(chosen)
    correct = np.where(answered, chosen == np.asarray(keys, dtype=object), np.nan).astype(np.float64)
    rest = rest_scores(correct)
    results = []
    for item, key in enumerate(keys):
        usable = answered[:, item] & ~np.isnan(rest[:, item])
        ability = rest[usable, item]
        picked = chosen[usable, item]
        order = np.argsort(ability, kind="stable")
        size = max(1, round(GROUP_FRACTION * ability.size))
        lower, upper = order[:size], order[-size:]
        labels = list(options[item]) if options is not None else sorted({*picked.tolist(), key}, key=str)
        for option in labels:
            chose = (picked == option).astype(np.float64)
            results.append(OptionStatistics(
                item=item,
                option=str(option),
                is_key=option == key,
                n=int(chose.sum()),
                proportion=float(chose.mean()) if chose.size else float("nan"),
                point_biserial=_correlation(chose, ability),
                upper=float(chose[upper].mean()) if chose.size else float("nan"),
                lower=float(chose[lower].mean()) if chose.size else float("nan"),
            ))
    return results
