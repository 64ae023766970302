"""Item standard errors (against finite differences and the Hessian) and the item-fit statistic."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.calibration import (
    ItemParameters,
    Population,
    Priors,
    Quadrature,
    ResponseData,
    calibrate,
)
from assessment.psychometrics.calibration.dichotomous import DichotomousItems
from assessment.psychometrics.calibration.em import marginal_log_likelihood
from assessment.psychometrics.calibration.gpcm import PartialCreditItems
from assessment.psychometrics.calibration.standard_errors import empirical_information
from assessment.psychometrics.models import prob_3pl, prob_gpcm

GRID = Quadrature.normal(31, 5.0)


def simulate_3pl(rng: np.random.Generator, a, b, c, theta) -> np.ndarray:
    p = prob_3pl(theta, a, b, c)
    return (rng.random(p.shape) < p).astype(float)


def simulate_gpcm(rng: np.random.Generator, a, steps, theta) -> np.ndarray:
    p = prob_gpcm(theta, a, steps)
    return (rng.random((*p.shape[:-1], 1)) > p.cumsum(axis=-1)).sum(axis=-1).astype(float)


def per_person_log_likelihood(matrix: np.ndarray, p: np.ndarray) -> np.ndarray:
    """log Σ_points w Π_answered P(x | θ) for each person; ``p`` is (Q, m, K) on GRID."""
    answered = ~np.isnan(matrix)
    chosen = p[:, np.arange(matrix.shape[1]), np.where(answered, matrix, 0).astype(int)]
    return np.log(GRID.weights @ np.where(answered, chosen, 1.0).prod(axis=2))


def finite_difference_scores(function, params: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Per-person gradients (persons × parameters) of ``function(params) -> per-person values``."""
    columns = []
    for k in range(params.size):
        shift = np.zeros_like(params)
        shift[k] = step
        columns.append((function(params + shift) - function(params - shift)) / (2 * step))
    return np.stack(columns, axis=1)


def test_3pl_information_is_the_sum_of_outer_products_of_person_scores() -> None:
    rng = np.random.default_rng(51)
    a, b, c = np.array([0.9, 1.5, 2.0]), np.array([-0.7, 0.1, 0.9]), np.array([0.15, 0.25, 0.2])
    matrix = simulate_3pl(rng, a, b, c, rng.normal(size=60))
    matrix[rng.random(matrix.shape) < 0.25] = np.nan
    data = ResponseData.from_matrix(matrix)
    data = ResponseData.from_matrix(data.to_matrix())  # drop persons left with no answer

    def log_likelihoods(params: np.ndarray) -> np.ndarray:
        right = prob_3pl(GRID.points, params[0::3], params[1::3], params[2::3])
        return per_person_log_likelihood(data.to_matrix(), np.stack([1 - right, right], axis=-1))

    scores = finite_difference_scores(log_likelihoods, np.column_stack([a, b, c]).ravel())
    items = DichotomousItems("3pl", a.copy(), -a * b, c.copy(), np.zeros(3, dtype=bool), Priors())

    info, index = empirical_information(data.design(items.n_categories), data, items, GRID, Population())

    assert index.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    np.testing.assert_allclose(info, scores.T @ scores, rtol=1e-6, atol=1e-8)


def test_1pl_shared_slope_collects_every_item_s_slope_score() -> None:
    rng = np.random.default_rng(52)
    b = np.array([-0.5, 0.0, 0.8])
    matrix = simulate_3pl(rng, 1.3, b, 0.0, rng.normal(size=50))
    data = ResponseData.from_matrix(matrix)

    def log_likelihoods(params: np.ndarray) -> np.ndarray:
        right = prob_3pl(GRID.points, params[0], params[1:], 0.0)
        return per_person_log_likelihood(matrix, np.stack([1 - right, right], axis=-1))

    scores = finite_difference_scores(log_likelihoods, np.r_[1.3, b])
    items = DichotomousItems("1pl", np.full(3, 1.3), -1.3 * b, np.zeros(3), np.zeros(3, dtype=bool), Priors())

    info, index = empirical_information(data.design(items.n_categories), data, items, GRID, Population())

    assert index[:, 0].tolist() == [0, 0, 0]
    np.testing.assert_allclose(info, scores.T @ scores, rtol=1e-6, atol=1e-8)


def test_gpcm_information_is_the_sum_of_outer_products_of_person_scores() -> None:
    rng = np.random.default_rng(53)
    a, steps = np.array([0.8, 1.6]), np.array([[-1.0, 0.1, 1.1], [-0.4, 0.7, np.nan]])
    population = Population(mean=0.3, sd=1.2)
    matrix = simulate_gpcm(rng, a, steps, rng.normal(0.3, 1.2, size=80))
    data = ResponseData.from_matrix(matrix)
    theta = GRID.abilities(population)

    def log_likelihoods(params: np.ndarray) -> np.ndarray:
        padded = np.array([params[1:4], [*params[5:7], np.nan]])
        return per_person_log_likelihood(matrix, prob_gpcm(theta, params[[0, 4]], padded))

    scores = finite_difference_scores(log_likelihoods, np.r_[a[0], steps[0], a[1], steps[1, :2]])
    items = PartialCreditItems.start(
        "gpcm", data.category_counts(4), np.array([4, 3]),
        anchors={0: (a[0], steps[0]), 1: (a[1], steps[1, :2])}, priors=Priors(),
    )
    items.anchored[:] = False  # the anchors only set the parameters; all are estimated here

    info, index = empirical_information(data.design(items.n_categories), data, items, GRID, population)

    assert index.tolist() == [[0, 1, 2, 3], [4, 5, 6, -1]]
    np.testing.assert_allclose(info, scores.T @ scores, rtol=1e-6, atol=1e-8)


def test_standard_errors_agree_with_the_inverse_hessian_of_the_marginal_likelihood() -> None:
    rng = np.random.default_rng(54)
    a, b = np.array([0.7, 1.0, 1.4, 1.9, 1.2]), np.array([-1.2, -0.4, 0.1, 0.6, 1.3])
    data = ResponseData.from_matrix(simulate_3pl(rng, a, b, 0.0, rng.normal(size=1500)))
    result = calibrate(data, "2pl", priors=Priors(), quadrature=GRID, tol=1e-9)
    estimate = np.r_[result.column("a"), result.column("b")]

    def log_likelihood(params: np.ndarray) -> float:
        items = DichotomousItems("2pl", params[:5].copy(), -params[:5] * params[5:], np.zeros(5),
                                 np.zeros(5, dtype=bool), Priors())
        return marginal_log_likelihood(data, items, GRID)

    step, n = 1e-4, estimate.size
    hessian = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            di, dj = np.eye(n)[i] * step, np.eye(n)[j] * step
            hessian[i, j] = (
                log_likelihood(estimate + di + dj) - log_likelihood(estimate + di - dj)
                - log_likelihood(estimate - di + dj) + log_likelihood(estimate - di - dj)
            ) / (4 * step * step)
    expected = np.sqrt(np.diag(np.linalg.inv(-hessian)))

    got = np.r_[result.column("se_a"), result.column("se_b")]
    np.testing.assert_allclose(got, expected, rtol=0.1)


def test_fixed_parameters_have_no_standard_error() -> None:
    rng = np.random.default_rng(55)
    data = ResponseData.from_matrix(simulate_3pl(rng, 1.0, np.linspace(-1, 1, 6), 0.0, rng.normal(size=300)))

    rasch = calibrate(data, "rasch")
    two_pl = calibrate(data, "2pl")

    assert np.isnan(rasch.column("se_a")).all() and np.isnan(rasch.column("se_c")).all()
    assert (rasch.column("se_b") > 0).all()
    assert (two_pl.column("se_a") > 0).all() and np.isnan(two_pl.column("se_c")).all()


@pytest.mark.slow
def test_standard_errors_match_the_spread_of_estimates_over_replications() -> None:
    rng = np.random.default_rng(56)
    a, b = rng.uniform(0.8, 1.8, 8), np.linspace(-1.5, 1.5, 8)
    estimates, errors = [], []
    for _ in range(40):
        data = ResponseData.from_matrix(simulate_3pl(rng, a, b, 0.0, rng.normal(size=500)))
        result = calibrate(data, "2pl", priors=Priors(), with_fit=False)
        estimates.append(np.r_[result.column("a"), result.column("b")])
        errors.append(np.r_[result.column("se_a"), result.column("se_b")])

    spread = np.std(estimates, axis=0, ddof=1)
    ratio = np.mean(errors, axis=0) / spread
    # 40 replications estimate a spread to about ±11%; on average over the 16 parameters much closer.
    assert 0.85 < ratio.mean() < 1.15
    assert np.all((ratio > 0.6) & (ratio < 1.5))


# --- item fit -----------------------------------------------------------------------------------


def test_fit_flags_an_item_whose_curve_is_not_logistic_and_passes_the_others() -> None:
    rng = np.random.default_rng(57)
    a, b = rng.uniform(0.8, 2.0, 20), rng.normal(size=20)
    theta = rng.normal(size=3000)
    matrix = simulate_3pl(rng, a, b, 0.0, theta)
    # Item 0 is easy for the middle of the range and hard at both ends: no 2PL curve fits it.
    matrix[:, 0] = rng.random(theta.size) < np.where(np.abs(theta) < 0.8, 0.85, 0.3)

    result = calibrate(ResponseData.from_matrix(matrix), "2pl")

    p_values = result.column("fit_p")
    assert p_values[0] < 1e-6
    assert (p_values[1:] < 0.01).sum() <= 1
    ratio = result.column("fit_x2")[1:] / result.column("fit_df")[1:]
    assert 0.6 < ratio.mean() < 1.5
    assert (result.column("fit_df") == 8).all()  # 10 groups less the 2PL's two parameters


def test_fit_works_on_sparse_data_and_skips_items_with_too_few_responses() -> None:
    rng = np.random.default_rng(58)
    a, b = rng.uniform(0.8, 2.0, 40), rng.normal(size=40)
    matrix = simulate_3pl(rng, a, b, 0.0, rng.normal(size=2000))
    matrix[rng.random(matrix.shape) < 0.75] = np.nan
    matrix[40:, 39] = np.nan  # item 39: 40 persons at most, one group of 30

    result = calibrate(ResponseData.from_matrix(matrix), "2pl")

    assert np.isnan(result.column("fit_x2")[39]) and result.items[39].fit_df == 0
    p_values = result.column("fit_p")[:39]
    assert (p_values < 0.01).sum() <= 2
    assert 0.6 < np.nanmean(result.column("fit_x2")[:39] / result.column("fit_df")[:39]) < 1.5


def test_fit_holds_on_a_short_test_where_many_persons_share_their_other_answers() -> None:
    """With three items, persons with the same other answers tie on ability; the tie must not be
    broken by rounding that differs with the answer to the item itself."""
    rng = np.random.default_rng(59)
    a, b = np.array([0.9, 1.4, 1.8]), np.array([-0.6, 0.2, 0.7])
    data = ResponseData.from_matrix(simulate_3pl(rng, a, b, 0.0, rng.normal(size=3000)))

    result = calibrate(data, "2pl", anchors={i: ItemParameters(a=a[i], b=b[i]) for i in range(3)})

    assert (result.column("fit_x2") < 30).all()  # about χ² with 8 df; 2,000+ when ties sort by answer
