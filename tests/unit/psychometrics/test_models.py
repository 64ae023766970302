"""The IRT kernels against their closed forms and numerical derivatives."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.models import (
    info_3pl,
    info_gpcm,
    loglik_3pl,
    loglik_gpcm,
    prob_3pl,
    prob_gpcm,
)

RNG = np.random.default_rng(11)
A = RNG.uniform(0.5, 2.5, 7)
B = RNG.normal(0.0, 1.0, 7)
C = RNG.uniform(0.0, 0.35, 7)
STEPS = np.array([[-1.0, 0.2, 1.1], [0.4, np.nan, np.nan], [-0.6, 0.8, np.nan]])
A_GPCM = np.array([0.9, 1.6, 1.2])


def test_3pl_probability_at_the_difficulty_is_halfway_between_guessing_and_one() -> None:
    assert np.allclose(prob_3pl(B, A, B, C).diagonal(), C + (1 - C) / 2)


def test_3pl_probability_matches_the_logistic_formula_and_broadcasts() -> None:
    theta = np.linspace(-3, 3, 13).reshape(13, 1)
    p = prob_3pl(theta, A, B, C)
    assert p.shape == (13, 1, 7)
    assert np.allclose(p, C + (1 - C) / (1 + np.exp(-A * (theta[..., None] - B))))


def test_3pl_information_equals_squared_slope_over_bernoulli_variance() -> None:
    theta = np.linspace(-3, 3, 25)
    h = 1e-5
    slope = (prob_3pl(theta + h, A, B, C) - prob_3pl(theta - h, A, B, C)) / (2 * h)
    p = prob_3pl(theta, A, B, C)
    assert np.allclose(info_3pl(theta, A, B, C), slope**2 / (p * (1 - p)), rtol=1e-6)


def test_2pl_information_peaks_at_the_difficulty_with_a_squared_over_four() -> None:
    assert np.allclose(info_3pl(B, A, B, 0.0).diagonal(), A**2 / 4)


def test_3pl_log_likelihood_sums_answered_items_only() -> None:
    u = np.array([1, 0, np.nan, 1, 1, 0, np.nan])
    theta = np.array([-1.0, 0.5])
    p = prob_3pl(theta, A, B, C)
    expected = np.where(np.isnan(u), 0.0, np.where(u == 1, np.log(p), np.log(1 - p))).sum(axis=-1)
    assert np.allclose(loglik_3pl(theta, u, A, B, C), expected)


def test_gpcm_probabilities_sum_to_one_and_give_padded_categories_zero() -> None:
    p = prob_gpcm(np.linspace(-4, 4, 9), A_GPCM, STEPS)
    assert p.shape == (9, 3, 4)
    assert np.allclose(p.sum(axis=-1), 1.0)
    assert np.all(p[:, 1, 2:] == 0.0)
    assert np.all(p[:, 2, 3] == 0.0)


def test_gpcm_with_one_step_is_the_2pl() -> None:
    theta = np.linspace(-3, 3, 11)
    p = prob_gpcm(theta, A[:3], B[:3, None])
    assert np.allclose(p[..., 1], prob_3pl(theta, A[:3], B[:3]))
    assert np.allclose(info_gpcm(theta, A[:3], B[:3, None]), info_3pl(theta, A[:3], B[:3]))


def test_gpcm_category_ratios_follow_the_step_difficulties() -> None:
    theta = 0.3
    p = prob_gpcm(theta, A_GPCM, STEPS)
    # P(k) / P(k-1) = exp(a (theta - b_k)) for every present step.
    for item in range(3):
        for k in range(1, 1 + int((~np.isnan(STEPS[item])).sum())):
            ratio = p[item, k] / p[item, k - 1]
            assert ratio == pytest.approx(np.exp(A_GPCM[item] * (theta - STEPS[item, k - 1])))


def test_gpcm_information_is_the_sum_of_squared_slopes_over_probabilities() -> None:
    theta = np.linspace(-3, 3, 13)
    h = 1e-5
    slopes = (prob_gpcm(theta + h, A_GPCM, STEPS) - prob_gpcm(theta - h, A_GPCM, STEPS)) / (2 * h)
    p = prob_gpcm(theta, A_GPCM, STEPS)
    fisher = np.where(p > 0, slopes**2 / np.where(p > 0, p, 1.0), 0.0).sum(axis=-1)
    assert np.allclose(info_gpcm(theta, A_GPCM, STEPS), fisher, rtol=1e-6)


def test_gpcm_log_likelihood_picks_the_observed_categories() -> None:
    scores = np.array([3, np.nan, 1])
    theta = np.array([-0.5, 1.5])
    p = prob_gpcm(theta, A_GPCM, STEPS)
    expected = np.log(p[:, 0, 3]) + np.log(p[:, 2, 1])
    assert np.allclose(loglik_gpcm(theta, scores, A_GPCM, STEPS), expected)
