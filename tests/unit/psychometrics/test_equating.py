"""Conversion tables through the IRT scale: the same ability gets the same scale score on every form."""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pytest

from assessment.psychometrics.equating import ScaleAnchor, conversion_table, scale_score, theta_for_raw
from assessment.psychometrics.models import prob_3pl

# VSTEP.3-5 band edges at the level cuts -1, 0, 1 of the ability scale.
ANCHORS = (ScaleAnchor(-1.0, Decimal("4.0")), ScaleAnchor(0.0, Decimal("6.0")), ScaleAnchor(1.0, Decimal("8.5")))


def form(seed: int, shift: float = 0.0, n: int = 35):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.8, 2.0, n), rng.normal(shift, 1.0, n), rng.uniform(0.1, 0.25, n)


def score_of(table, raw: int) -> Decimal:
    return [score for minimum, score in table if raw >= minimum][-1]


def test_the_ability_of_a_raw_score_gives_it_back_on_the_characteristic_curve():
    a, b, c = form(1)
    raws = np.array([10.0, 17.5, 30.0])
    theta = theta_for_raw(raws, a, b, c)
    np.testing.assert_allclose(prob_3pl(theta, a, b, c).sum(axis=-1), raws, atol=1e-9)
    assert theta_for_raw([c.sum() - 0.1], a, b, c)[0] == -np.inf  # below chance: no finite ability
    assert theta_for_raw([35], a, b, c)[0] == np.inf


def test_the_scale_passes_through_its_anchors_and_stays_in_range():
    values = scale_score([-1.0, 0.0, 1.0, -0.5, -10.0, 10.0, -np.inf, np.inf], ANCHORS)
    np.testing.assert_allclose(values, [4.0, 6.0, 8.5, 5.0, 0.0, 10.0, 0.0, 10.0])
    with pytest.raises(ValueError, match="rising"):
        scale_score([0.0], (ANCHORS[1], ANCHORS[0]))


def test_tables_rise_from_zero_and_never_lift_a_score_over_what_the_ability_reached():
    a, b, c = form(2)
    table = conversion_table(a, b, c, ANCHORS)
    assert table[0] == (0, Decimal(0)) and table[-1][1] <= 10
    assert all(x[0] < y[0] and x[1] < y[1] for x, y in itertools.pairwise(table))
    assert all(score % Decimal("0.5") == 0 for _, score in table)
    for raw in range(36):
        exact = scale_score(theta_for_raw([raw], a, b, c), ANCHORS)[0]
        assert float(score_of(table, raw)) <= exact + 1e-9 < float(score_of(table, raw)) + 0.5 + 1e-9


def test_a_harder_form_asks_fewer_raw_points_for_the_same_scale_score():
    easy, hard = form(3), form(3, shift=0.6)
    easy_table, hard_table = dict((s, r) for r, s in conversion_table(*easy, ANCHORS)), \
        dict((s, r) for r, s in conversion_table(*hard, ANCHORS))
    for score in (Decimal("4.0"), Decimal("6.0"), Decimal("8.5")):
        assert hard_table[score] < easy_table[score]
    # The same ability, taken through each form's expected raw score, lands on nearly the same score.
    for theta in (-1.5, -0.5, 0.3, 1.2):
        scores = [score_of(conversion_table(*f, ANCHORS), round(float(prob_3pl(theta, *f).sum())))
                  for f in (easy, hard)]
        assert abs(scores[0] - scores[1]) <= Decimal("1.0")
