"""Differential item functioning between a reference and a focal group: Mantel-Haenszel.

Persons are matched on ability strata (by default the total score of the form, the studied
item included, as Holland & Thayer recommend); within each stratum k the item gives a 2 × 2
table: reference right A_k / wrong B_k, focal right C_k / wrong D_k, total T_k. Then

* the common odds ratio α_MH = Σ A D / T ÷ Σ B C / T (above 1: the item favours the reference group),
* the ETS delta Δ_MH = -2.35 ln α_MH (negative: harder for the focal group than their match),
  with its SE from the Robins-Breslow-Greenland variance of ln α_MH,
* the MH chi-square with continuity correction, (|Σ A - Σ E[A]| - ½)² / Σ Var[A], 1 df,
* the ETS class: A (negligible) if |Δ| < 1 or the chi-square is not significant at 5 %;
  C (large) if |Δ| >= 1.5 and |Δ| is significantly above 1 (one-sided 5 %); B otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2, norm

DELTA_SCALE = 2.35
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class MantelHaenszel:
    """The Mantel-Haenszel DIF statistics of one item."""

    item: int
    n_reference: int
    n_focal: int
    odds_ratio: float
    delta: float
    se_delta: float
    chi_square: float
    p_value: float
    ets_class: str

    @property
    def favours(self) -> str | None:
        """Which group the item favours once ability is matched, if it shows DIF at all."""
        if self.ets_class == "A":
            return None
        return "reference" if self.delta < 0 else "focal"


def ets_class(delta: float, se_delta: float, p_value: float) -> str:
    """A, B or C by the ETS rules (see the module docstring)."""
    size = abs(delta)
    if not p_value < SIGNIFICANCE or size < 1.0:
        return "A"
    if size >= 1.5 and (not np.isfinite(size) or (size - 1.0) / se_delta > norm.ppf(1 - SIGNIFICANCE)):
        return "C"
    return "B"


def mantel_haenszel_table(tables: ArrayLike) -> tuple[float, float, float, float]:
    """α_MH, Δ_MH, SE(Δ_MH) and the MH chi-square of stacked 2 × 2 tables ``(strata, 4)``
    holding A, B, C, D (reference right, reference wrong, focal right, focal wrong)."""
    a, b, c, d = np.asarray(tables, dtype=np.float64).T
    total = a + b + c + d
    kept = total > 1  # a stratum of one person has no variance
    a, b, c, d, total = a[kept], b[kept], c[kept], d[kept], total[kept]
    r, s = a * d / total, b * c / total
    r_sum, s_sum = r.sum(), s.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        odds_ratio = float(r_sum / s_sum)
        delta = float(-DELTA_SCALE * np.log(odds_ratio))
        p, q = (a + d) / total, (b + c) / total
        variance = (
            (p * r).sum() / (2 * r_sum**2)
            + (p * s + q * r).sum() / (2 * r_sum * s_sum)
            + (q * s).sum() / (2 * s_sum**2)
        )
    se_delta = float(DELTA_SCALE * np.sqrt(variance)) if np.isfinite(variance) else float("nan")
    n_reference, n_focal, right, wrong = a + b, c + d, a + c, b + d
    expected = n_reference * right / total
    var_a = n_reference * n_focal * right * wrong / (total**2 * (total - 1))
    chi_square = (
        float(max(abs(a.sum() - expected.sum()) - 0.5, 0.0) ** 2 / var_a.sum()) if var_a.sum() > 0 else float("nan")
    )
    return odds_ratio, delta, se_delta, chi_square


def mantel_haenszel(
    scores: ArrayLike,
    groups: ArrayLike,
    *,
    reference: object,
    focal: object,
    strata: ArrayLike | None = None,
) -> list[MantelHaenszel]:
    """MH DIF of every item of a persons × items matrix of 0/1 scores (NaN: not answered).

    ``groups`` labels each person; persons in neither group are ignored. ``strata`` are the
    matching levels (e.g. banded ability estimates for adaptive data); by default the total
    score, which needs complete rows, so persons with a missing response are then left out.
    Raises ValueError on scores other than 0/1 or mismatched lengths.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(groups, dtype=object)
    if matrix.ndim != 2 or labels.shape != (matrix.shape[0],):
        raise ValueError("scores must be persons × items with one group label per person")
    answered = ~np.isnan(matrix)
    if not np.isin(matrix[answered], (0.0, 1.0)).all():
        raise ValueError("Mantel-Haenszel DIF needs scores 0 or 1")
    is_reference, is_focal = labels == reference, labels == focal
    if strata is None:
        complete = answered.all(axis=1)
        level = np.where(complete, np.where(answered, matrix, 0).sum(axis=1), -1).astype(np.intp)
        in_study = complete & (is_reference | is_focal)
    else:
        _, level = np.unique(np.asarray(strata), return_inverse=True)
        in_study = is_reference | is_focal
    n_levels = int(level.max(initial=0)) + 1
    results = []
    for item in range(matrix.shape[1]):
        usable = in_study & answered[:, item]
        right = usable & (matrix[:, item] == 1)
        cells = [
            np.bincount(level[group & mask], minlength=n_levels)
            for group in (is_reference, is_focal)
            for mask in (right, usable & ~right)
        ]
        odds_ratio, delta, se_delta, chi_square = mantel_haenszel_table(np.stack(cells, axis=1))
        p_value = float(chi2.sf(chi_square, 1)) if np.isfinite(chi_square) else float("nan")
        results.append(MantelHaenszel(
            item=item,
            n_reference=int((usable & is_reference).sum()),
            n_focal=int((usable & is_focal).sum()),
            odds_ratio=odds_ratio,
            delta=delta,
            se_delta=se_delta,
            chi_square=chi_square,
            p_value=p_value,
            ets_class=ets_class(delta, se_delta, p_value),
        ))
    return results
