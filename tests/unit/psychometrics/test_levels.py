"""Levels from cut scores, and posterior level probabilities against numerical integration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate

from assessment.psychometrics.estimation import QuadratureGrid, ThreePLItems
from assessment.psychometrics.levels import LevelScale, accuracy, place, skill_profile
from assessment.psychometrics.models import loglik_3pl

RNG = np.random.default_rng(3)
M = 12
ITEMS = ThreePLItems.of(RNG.uniform(0.8, 2.0, M), RNG.normal(0.0, 1.0, M), RNG.uniform(0.0, 0.3, M))
PATTERN = (RNG.random(M) < 0.6).astype(float)


def test_five_cuts_make_six_levels_and_a_cut_belongs_to_the_level_above() -> None:
    scale = LevelScale((-2.0, -1.0, 0.0, 1.0, 2.0))
    assert scale.levels == (1, 2, 3, 4, 5, 6)
    thetas = [-9.0, -2.0001, -2.0, -0.5, 0.0, 0.999, 1.0, 2.0, 7.0]
    assert scale.level_of(thetas).tolist() == [1, 1, 2, 3, 4, 4, 5, 6, 6]


def test_scale_parses_cut_text_and_rejects_unordered_or_bad_cuts() -> None:
    assert LevelScale.parse("-2,-1,0,1,2").cuts == (-2.0, -1.0, 0.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="increasing"):
        LevelScale((0.0, -1.0))
    with pytest.raises(ValueError, match="numbers"):
        LevelScale.parse("-1,low,1")


def test_level_numbering_can_start_elsewhere() -> None:
    vstep = LevelScale((-0.5, 0.7), first_level=3)
    assert vstep.levels == (3, 4, 5)
    assert vstep.level_of(0.0) == 4


@pytest.mark.parametrize("cuts", [(-2.0, -1.0, 0.0, 1.0, 2.0), (-1.37, -0.04, 0.61, 1.93, 2.5)])
def test_level_probabilities_match_integrated_posterior_mass(cuts: tuple[float, ...]) -> None:
    scale = LevelScale(cuts)
    grid = QuadratureGrid.normal()

    def density(t: float) -> float:
        return np.exp(loglik_3pl(t, PATTERN, ITEMS.a, ITEMS.b, ITEMS.c) - 0.5 * t * t)

    edges = [-6.0, *cuts, 6.0]
    tolerances = {"epsabs": 0.0, "epsrel": 1e-11, "limit": 200}
    masses = np.array([integrate.quad(density, lo, hi, **tolerances)[0] for lo, hi in itertools.pairwise(edges)])
    expected = masses / masses.sum()
    found = scale.probabilities(grid, grid.log_likelihood(ITEMS, PATTERN))
    assert found.sum() == pytest.approx(1.0)
    assert np.allclose(found, expected, atol=1e-5)


def test_level_probabilities_of_a_narrow_posterior_sit_in_its_level() -> None:
    grid = QuadratureGrid.normal()
    log_likelihood = -0.5 * ((grid.points - 0.5) / 0.05) ** 2
    probabilities = LevelScale().probabilities(grid, log_likelihood)
    assert probabilities[3] == pytest.approx(1.0, abs=1e-9)


def test_place_reports_eap_level_and_probabilities() -> None:
    grid = QuadratureGrid.normal()
    result = place(LevelScale(), grid, grid.log_likelihood(ITEMS, PATTERN), M)
    mean, sd = grid.moments(grid.log_likelihood(ITEMS, PATTERN))
    assert result.theta == pytest.approx(float(mean))
    assert result.se == pytest.approx(float(sd))
    assert result.level == LevelScale().level_of(result.theta)
    assert len(result.probabilities) == 6


def test_skill_profile_places_each_skill_on_its_own_responses() -> None:
    grid = QuadratureGrid.normal()
    reading = ThreePLItems(ITEMS.a[:6], ITEMS.b[:6], ITEMS.c[:6])
    listening = ThreePLItems(ITEMS.a[6:], ITEMS.b[6:], ITEMS.c[6:])
    profile = skill_profile(
        LevelScale(),
        grid,
        {
            "reading": grid.log_likelihood(reading, PATTERN[:6]),
            "listening": grid.log_likelihood(listening, PATTERN[6:]),
        },
        {"reading": 6, "listening": 6},
    )
    expected, _ = grid.moments(grid.log_likelihood(reading, PATTERN[:6]))
    assert profile["reading"].theta == pytest.approx(float(expected))
    assert profile["listening"].n_items == 6


def test_accuracy_counts_exact_and_adjacent_levels() -> None:
    assert accuracy([1, 2, 3, 4], [1, 3, 5, 4]) == (0.5, 0.75)
