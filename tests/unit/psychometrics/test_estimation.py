"""EAP, MAP and MLE against brute-force integration and optimisation computed in the test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from assessment.psychometrics.estimation import (
    GPCMItems,
    MixedItems,
    NormalPrior,
    QuadratureGrid,
    ThreePLItems,
    eap,
    map_estimate,
    mle,
)
from assessment.psychometrics.models import info_3pl, info_gpcm, loglik_3pl, loglik_gpcm

RNG = np.random.default_rng(5)
M = 15
ITEMS = ThreePLItems.of(RNG.uniform(0.7, 2.2, M), RNG.normal(0.0, 1.0, M), RNG.uniform(0.0, 0.3, M))
PATTERN = (RNG.random(M) < 0.55).astype(float)
PATTERN[[2, 9]] = np.nan
GPCM = GPCMItems.of(
    [0.8, 1.4, 1.1, 1.9], [[-1.2, 0.1, 1.0], [0.3, np.nan, np.nan], [-0.4, 0.9, np.nan], [0.0, 0.6, 1.5]]
)
SCORES = np.array([2.0, 1.0, 0.0, 3.0])


def loglik_3pl_at(theta: float) -> float:
    return float(loglik_3pl(theta, PATTERN, ITEMS.a, ITEMS.b, ITEMS.c))


def loglik_gpcm_at(theta: float) -> float:
    return float(loglik_gpcm(theta, SCORES, GPCM.a, GPCM.steps))


def posterior_moments(loglik, mean: float = 0.0, sd: float = 1.0) -> tuple[float, float]:
    def density(t: float) -> float:
        return np.exp(loglik(t) - 0.5 * ((t - mean) / sd) ** 2)

    # Likelihoods are tiny numbers: only a purely relative tolerance makes quad accurate.
    tolerances = {"limit": 200, "epsabs": 0.0, "epsrel": 1e-11}
    mass = integrate.quad(density, -12, 12, **tolerances)[0]
    first = integrate.quad(lambda t: t * density(t), -12, 12, **tolerances)[0] / mass
    second = integrate.quad(lambda t: t * t * density(t), -12, 12, **tolerances)[0] / mass
    return first, np.sqrt(second - first**2)


def argmax(objective, bounds: tuple[float, float]) -> float:
    found = optimize.minimize_scalar(lambda t: -objective(t), bounds=bounds, method="bounded", options={"xatol": 1e-10})
    return float(found.x)


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (0.5, 0.7), (-1.0, 1.5)])
def test_eap_and_posterior_sd_match_numerical_integration_for_3pl(mean: float, sd: float) -> None:
    expected_mean, expected_sd = posterior_moments(loglik_3pl_at, mean, sd)
    # A wide prior needs the grid to reach as far as the integral does.
    estimate = eap(ITEMS, PATTERN, QuadratureGrid.normal(mean, sd, lower=-12, upper=12, n_points=241))
    assert estimate.theta == pytest.approx(expected_mean, abs=1e-6)
    assert estimate.se == pytest.approx(expected_sd, abs=1e-6)


def test_eap_matches_numerical_integration_for_gpcm() -> None:
    expected_mean, expected_sd = posterior_moments(loglik_gpcm_at)
    estimate = eap(GPCM, SCORES)
    assert estimate.theta == pytest.approx(expected_mean, abs=1e-6)
    assert estimate.se == pytest.approx(expected_sd, abs=1e-6)


def test_eap_of_a_mixed_test_integrates_both_models() -> None:
    mixed = MixedItems.of([(ITEMS, np.arange(M)), (GPCM, np.arange(M, M + 4))])
    expected_mean, expected_sd = posterior_moments(lambda t: loglik_3pl_at(t) + loglik_gpcm_at(t))
    estimate = eap(mixed, np.concatenate([PATTERN, SCORES]))
    assert estimate.theta == pytest.approx(expected_mean, abs=1e-6)
    assert estimate.se == pytest.approx(expected_sd, abs=1e-6)


def test_eap_with_a_custom_prior_uses_its_density() -> None:
    points = np.linspace(-6, 6, 121)
    skewed = np.log(np.exp(-0.5 * (points - 1) ** 2) + 0.5 * np.exp(-0.5 * ((points + 1) / 0.5) ** 2))

    def density(t: float) -> float:
        prior = np.exp(-0.5 * (t - 1) ** 2) + 0.5 * np.exp(-0.5 * ((t + 1) / 0.5) ** 2)
        return np.exp(loglik_3pl_at(t)) * prior

    tolerances = {"limit": 200, "epsabs": 0.0, "epsrel": 1e-11}
    mass = integrate.quad(density, -6, 6, **tolerances)[0]
    expected = integrate.quad(lambda t: t * density(t), -6, 6, **tolerances)[0] / mass
    assert eap(ITEMS, PATTERN, QuadratureGrid.from_log_density(points, skewed)).theta == pytest.approx(
        expected, abs=1e-6
    )


def test_eap_with_no_responses_returns_the_prior() -> None:
    estimate = eap(ITEMS, np.full(M, np.nan), QuadratureGrid.normal(0.4, 0.8))
    assert estimate.theta == pytest.approx(0.4, abs=1e-9)
    assert estimate.se == pytest.approx(0.8, abs=1e-6)


def test_eap_scores_many_examinees_at_once() -> None:
    patterns = (RNG.random((6, M)) < 0.5).astype(float)
    many = eap(ITEMS, patterns)
    singles = [eap(ITEMS, row).theta for row in patterns]
    assert np.allclose(many.theta, singles)


def test_map_matches_a_bounded_optimiser_and_its_se_the_information_plus_prior_precision() -> None:
    prior = NormalPrior(0.3, 0.9)
    expected = argmax(lambda t: loglik_3pl_at(t) - 0.5 * ((t - prior.mean) / prior.sd) ** 2, (-6, 6))
    estimate = map_estimate(ITEMS, PATTERN, prior)
    assert estimate.theta == pytest.approx(expected, abs=1e-6)
    answered = ~np.isnan(PATTERN)
    information = info_3pl(estimate.theta, ITEMS.a[answered], ITEMS.b[answered], ITEMS.c[answered]).sum()
    assert estimate.se == pytest.approx(1 / np.sqrt(information + 1 / prior.sd**2), rel=1e-9)


def test_map_for_gpcm_matches_a_bounded_optimiser() -> None:
    expected = argmax(lambda t: loglik_gpcm_at(t) - 0.5 * t * t, (-6, 6))
    assert map_estimate(GPCM, SCORES).theta == pytest.approx(expected, abs=1e-6)


def test_mle_matches_a_bounded_optimiser_and_its_se_the_test_information() -> None:
    expected = argmax(loglik_3pl_at, (-4, 4))
    estimate = mle(ITEMS, PATTERN)
    assert estimate.theta == pytest.approx(expected, abs=1e-6)
    assert not estimate.at_bound
    answered = ~np.isnan(PATTERN)
    information = info_3pl(estimate.theta, ITEMS.a[answered], ITEMS.b[answered], ITEMS.c[answered]).sum()
    assert estimate.se == pytest.approx(1 / np.sqrt(information), rel=1e-9)


def test_mle_for_gpcm_matches_a_bounded_optimiser_and_information() -> None:
    estimate = mle(GPCM, SCORES)
    assert estimate.theta == pytest.approx(argmax(loglik_gpcm_at, (-4, 4)), abs=1e-6)
    assert estimate.se == pytest.approx(1 / np.sqrt(info_gpcm(estimate.theta, GPCM.a, GPCM.steps).sum()))


@pytest.mark.parametrize(("response", "bound"), [(1.0, 4.0), (0.0, -4.0)])
def test_mle_of_an_all_right_or_all_wrong_pattern_is_the_flagged_bound(response: float, bound: float) -> None:
    estimate = mle(ITEMS, np.full(M, response))
    assert estimate.theta == bound
    assert estimate.at_bound
    assert np.isfinite(estimate.se)
    assert mle(ITEMS, np.full(M, response), bounds=(-3.0, 3.0)).theta == pytest.approx(np.sign(bound) * 3.0)


def test_map_and_eap_of_an_all_right_pattern_stay_finite_and_above_the_prior_mean() -> None:
    everything = np.ones(M)
    assert 0 < map_estimate(ITEMS, everything).theta < 4
    assert 0 < eap(ITEMS, everything).theta < 4


def test_rasch_mle_solves_the_score_equation() -> None:
    b = np.linspace(-2, 2, 9)
    rasch = ThreePLItems.of(1.0, b, 0.0)
    u = np.array([1, 1, 1, 0, 1, 0, 1, 0, 0], dtype=float)
    theta = mle(rasch, u).theta
    # For Rasch the MLE makes the expected score equal the raw score.
    assert (1 / (1 + np.exp(-(theta - b)))).sum() == pytest.approx(u.sum(), abs=1e-8)


def test_estimators_reject_responses_outside_the_categories() -> None:
    with pytest.raises(ValueError, match="category"):
        eap(ITEMS, np.full(M, 2.0))
    with pytest.raises(ValueError, match="columns"):
        mle(GPCM, np.zeros(3))


def test_item_sets_reject_impossible_parameters() -> None:
    with pytest.raises(ValueError, match="a > 0"):
        ThreePLItems.of([1.0, -0.5], [0.0, 0.0])
    with pytest.raises(ValueError, match="c < 1"):
        ThreePLItems.of(1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="step"):
        GPCMItems.of([1.0], [[np.nan, 0.5]])
