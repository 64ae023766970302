"""The classification stop's curtailment: its probability against brute force, and its effect on tests."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.cat.engine import CatConfig, CatEngine
from assessment.psychometrics.cat.simulation import simulate
from assessment.psychometrics.cat.stopping import ClassificationStop, StoppingRule, probability_level_holds
from assessment.psychometrics.levels import LevelScale
from tests.unit.psychometrics.cat_pools import random_pool

SCALE = LevelScale()


@pytest.mark.parametrize(
    ("theta", "se", "information"),
    [(0.3, 0.4, 6.0), (-1.8, 0.6, 2.0), (2.4, 0.3, 12.0), (0.95, 0.25, 4.0), (-0.5, 1.0, 0.7)],
)
def test_probability_level_holds_matches_a_simulated_normal_model(theta: float, se: float, information: float) -> None:
    # The model the closed form assumes, drawn directly: ability from the current posterior,
    # the remaining items' evidence as a normal measurement of it, and the updated posterior mean.
    rng = np.random.default_rng(11)
    true = rng.normal(theta, se, 400_000)
    measured = rng.normal(true, 1.0 / np.sqrt(information))
    precision = 1.0 / se**2
    updated = (precision * theta + information * measured) / (precision + information)
    expected = np.mean(SCALE.level_of(updated) == SCALE.level_of(theta))
    assert probability_level_holds(SCALE, theta, se, information) == pytest.approx(expected, abs=3e-3)


def test_probability_level_holds_in_closed_form_at_the_edges() -> None:
    one_cut = LevelScale((0.0,))
    assert probability_level_holds(one_cut, 0.0, 0.5, 3.0) == pytest.approx(0.5)  # on the cut: a coin flip
    assert probability_level_holds(SCALE, 0.5, 0.4, 0.0) == 1.0  # nothing left to change it
    assert probability_level_holds(one_cut, 1.0, 1.0, 1e12) == pytest.approx(0.8413447, abs=1e-6)  # Φ(1)


def test_curtailment_probability_is_honest_on_simulated_tests() -> None:
    # Along fixed-length tests, the level at step n is kept by the full-length test about as
    # often as the curtailment predicted at step n.
    pool = random_pool(400, seed=4)
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(25, 25)))
    thetas = np.random.default_rng(5).normal(0.0, 1.0, 150)
    run = simulate(engine, thetas, seed=6)
    predicted, held = [], []
    for examinee in run.examinees:
        positions = [pool.position(i) for i in examinee.result.items]
        final = SCALE.level_of(examinee.result.theta)
        for n in range(5, 25):
            session = engine.resume(examinee.result.items[:n], examinee.result.responses[:n])
            information = pool.information(session.theta)
            information[positions[:n]] = -np.inf
            future = float(np.sort(information)[::-1][: 25 - n].sum())
            predicted.append(probability_level_holds(SCALE, session.theta, session.se, future))
            held.append(SCALE.level_of(session.theta) == final)
    predicted_, held_ = np.array(predicted), np.array(held)
    for low, high in ((0.5, 0.8), (0.8, 0.95), (0.95, 1.0)):
        inside = (predicted_ >= low) & (predicted_ < high)
        expected = predicted_[inside].mean()
        sampling_sd = np.sqrt(expected * (1 - expected) / inside.sum())
        assert inside.sum() > 200
        assert held_[inside].mean() == pytest.approx(expected, abs=3 * sampling_sd)


def test_curtailed_tests_are_shorter_and_place_as_the_uncurtailed_ones_do() -> None:
    pool = random_pool(400, seed=7)
    thetas = np.random.default_rng(8).normal(0.0, 1.0, 200)
    runs = {}
    for curtail in (False, True):
        stop = ClassificationStop(SCALE, confidence=0.9, curtail=curtail)
        engine = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=30, classification=stop)))
        runs[curtail] = simulate(engine, thetas, seed=9)
    plain, curtailed = runs[False], runs[True]
    lengths = [np.array([len(x.result.items) for x in r.examinees]) for r in (plain, curtailed)]
    # Same response draws and a deterministic selector: a curtailed test is the uncurtailed
    # one cut short, never longer.
    assert np.all(lengths[1] <= lengths[0])
    assert lengths[1].mean() <= lengths[0].mean() - 3.0
    levels = [np.array([x.result.level for x in r.examinees]) for r in (plain, curtailed)]
    assert np.mean(levels[0] != levels[1]) <= 0.1 + 3 * np.sqrt(0.09 / thetas.size)
    assert curtailed.summary.exact_level_accuracy >= plain.summary.exact_level_accuracy - 0.03
