"""Mantel-Haenszel DIF on a hand-worked pair of tables and on simulated groups."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from assessment.psychometrics.dif import ets_class, mantel_haenszel, mantel_haenszel_table

# Two strata of (reference right A, reference wrong B, focal right C, focal wrong D).
TABLES = np.array([[10, 10, 5, 15], [20, 5, 15, 10]])


def persons_from_tables(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per person reproducing the tables: score, group label and stratum."""
    scores, groups, strata = [], [], []
    for stratum, counts in enumerate(tables):
        for count, score, group in zip(counts, (1, 0, 1, 0), ("ref", "ref", "foc", "foc"), strict=True):
            scores += [score] * count
            groups += [group] * count
            strata += [stratum] * count
    return np.array(scores, dtype=float)[:, np.newaxis], np.array(groups), np.array(strata)


def test_hand_worked_tables() -> None:
    # Σ AD/T = 10·15/40 + 20·10/50 = 3.75 + 4 = 7.75;  Σ BC/T = 10·5/40 + 5·15/50 = 1.25 + 1.5 = 2.75
    odds_ratio = 7.75 / 2.75
    # E[A] = 20·15/40 + 25·35/50 = 7.5 + 17.5 = 25 against Σ A = 30;
    # Var[A] = 20·20·15·25 / (40²·39) + 25·25·35·15 / (50²·49) = 2.40385 + 2.67857
    variance_a = 20 * 20 * 15 * 25 / (40**2 * 39) + 25 * 25 * 35 * 15 / (50**2 * 49)
    chi_square = (abs(30 - 25) - 0.5) ** 2 / variance_a  # 3.984
    # Robins-Breslow-Greenland with P = (A+D)/T = (.625, .6), Q = (.375, .4), R = (3.75, 4), S = (1.25, 1.5)
    var_log = (
        (0.625 * 3.75 + 0.6 * 4) / (2 * 7.75**2)
        + (0.625 * 1.25 + 0.375 * 3.75 + 0.6 * 1.5 + 0.4 * 4) / (2 * 7.75 * 2.75)
        + (0.375 * 1.25 + 0.4 * 1.5) / (2 * 2.75**2)
    )

    got = mantel_haenszel_table(TABLES)

    assert got[0] == pytest.approx(odds_ratio)
    assert got[1] == pytest.approx(-2.35 * np.log(odds_ratio))  # -2.4348
    assert got[2] == pytest.approx(2.35 * np.sqrt(var_log))  # 1.1026
    assert got[3] == pytest.approx(chi_square)


def test_person_level_data_gives_the_same_statistics_and_class_b() -> None:
    scores, groups, strata = persons_from_tables(TABLES)

    [result] = mantel_haenszel(scores, groups, reference="ref", focal="foc", strata=strata)

    odds_ratio, delta, se_delta, chi_square = mantel_haenszel_table(TABLES)
    assert (result.odds_ratio, result.delta, result.se_delta, result.chi_square) == pytest.approx(
        (odds_ratio, delta, se_delta, chi_square)
    )
    assert result.p_value == pytest.approx(chi2.sf(chi_square, 1))  # 0.046: significant
    assert (result.n_reference, result.n_focal) == (45, 45)
    # |Δ| = 2.43 >= 1.5 but (2.43 - 1) / 1.10 = 1.30 is not above 1.645: B, against the focal group.
    assert result.ets_class == "B"
    assert result.favours == "reference"


@pytest.mark.parametrize(
    ("delta", "se", "p_value", "expected"),
    [(-0.9, 0.1, 1e-6, "A"), (-2.0, 0.3, 0.2, "A"), (1.2, 0.3, 0.001, "B"), (-1.6, 0.5, 1e-4, "B"),
     (-2.0, 0.3, 1e-6, "C"), (1.7, 0.2, 1e-6, "C")],
)
def test_ets_classes(delta: float, se: float, p_value: float, expected: str) -> None:
    assert ets_class(delta, se, p_value) == expected


def test_an_item_harder_for_the_focal_group_is_flagged_against_impact() -> None:
    rng = np.random.default_rng(91)
    a, b = rng.uniform(0.8, 1.8, 20), rng.normal(size=20)
    # The focal group is weaker overall (impact, not DIF); only item 0 is harder for it at equal ability.
    theta = np.r_[rng.normal(0.0, 1.0, 2500), rng.normal(-0.5, 1.0, 2500)]
    groups = np.array(["reference"] * 2500 + ["focal"] * 2500)
    b_person = np.tile(b, (5000, 1))
    b_person[2500:, 0] += 1.0
    scores = (rng.random((5000, 20)) < 1 / (1 + np.exp(-a * (theta[:, None] - b_person)))).astype(float)

    results = mantel_haenszel(scores, groups, reference="reference", focal="focal")

    assert results[0].ets_class == "C" and results[0].delta < -1.5 and results[0].favours == "reference"
    assert sum(result.ets_class != "A" for result in results[1:]) <= 1
    assert all(abs(result.delta) < 1.0 for result in results[1:])


def test_missing_responses_leave_persons_out_of_the_total_score_match() -> None:
    scores = np.array([[1, 0], [0, np.nan], [1, 1], [0, 0]], dtype=float)
    groups = np.array(["r", "r", "f", "f"])

    results = mantel_haenszel(scores, groups, reference="r", focal="f")

    assert [(r.n_reference, r.n_focal) for r in results] == [(1, 2), (1, 2)]


def test_scores_must_be_right_or_wrong() -> None:
    with pytest.raises(ValueError, match="needs scores 0 or 1"):
        mantel_haenszel(np.array([[0, 2], [1, 1]]), ["r", "f"], reference="r", focal="f")
