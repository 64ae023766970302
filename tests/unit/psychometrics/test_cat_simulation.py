"""Simulated adaptive tests: reproducibility, paired responses, summaries, exposure calibration."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.cat.engine import CatConfig, CatEngine
from assessment.psychometrics.cat.constraints import InfeasibleConstraint
from assessment.psychometrics.cat.selection import ExposureCap, Randomesque, SympsonHetter
from assessment.psychometrics.cat.simulation import (
    calibrate_sympson_hetter,
    simulate,
    sympson_hetter_target,
)
from assessment.psychometrics.cat.stopping import StoppingRule
from assessment.psychometrics.levels import LevelScale
from tests.unit.psychometrics.cat_pools import random_pool

THETAS = np.random.default_rng(8).normal(0.0, 1.0, 150)


def engine(n_items: int = 120, length: int = 10) -> CatEngine:
    return CatEngine(random_pool(n_items), CatConfig(stopping=StoppingRule(length, length)))


def test_simulation_is_reproducible_from_its_seed() -> None:
    first = simulate(engine(), THETAS[:40], seed=3)
    again = simulate(engine(), THETAS[:40], seed=3)
    other = simulate(engine(), THETAS[:40], seed=4)
    assert [x.result.items for x in first.examinees] == [x.result.items for x in again.examinees]
    assert [x.result.responses for x in first.examinees] != [x.result.responses for x in other.examinees]


def test_an_examinee_answers_an_item_the_same_way_under_any_selector() -> None:
    base = engine()
    plain = simulate(base, THETAS[:60], seed=1)
    random = simulate(base.with_selector(Randomesque(4)), THETAS[:60], seed=1)
    shared = 0
    for x, y in zip(plain.examinees, random.examinees, strict=True):
        answers = dict(zip(x.result.items, x.result.responses, strict=True))
        for item, response in zip(y.result.items, y.result.responses, strict=True):
            if item in answers:
                assert answers[item] == response
                shared += 1
    assert shared > 100


def test_simulated_responses_follow_the_model() -> None:
    # An easy item is answered right far more often than a hard one by the same examinees.
    pool = random_pool(200)
    run = simulate(CatEngine(pool, CatConfig(stopping=StoppingRule(20, 20))), np.full(100, 0.0), seed=2)
    responses = np.concatenate([x.result.responses for x in run.examinees])
    items = np.concatenate([[pool.position(i) for i in x.result.items] for x in run.examinees])
    p = pool.c[items] + (1 - pool.c[items]) / (1 + np.exp(pool.a[items] * pool.b[items]))
    assert responses.mean() == pytest.approx(p.mean(), abs=0.03)


def test_summary_figures_are_computed_from_the_examinees() -> None:
    run = simulate(engine(), THETAS, seed=0)
    errors = np.array([x.result.theta - x.true_theta for x in run.examinees])
    summary = run.summary
    assert summary.rmse == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert summary.bias == pytest.approx(errors.mean())
    assert summary.mean_length == 10
    truth = LevelScale().level_of(THETAS)
    found = np.array([x.result.level for x in run.examinees])
    assert summary.exact_level_accuracy == pytest.approx(np.mean(truth == found))
    assert summary.within_one_level_accuracy == pytest.approx(np.mean(np.abs(truth - found) <= 1))
    assert summary.max_exposure == pytest.approx(run.exposure.max())
    assert run.exposure.sum() == pytest.approx(10.0)
    assert summary.items_used == np.count_nonzero(run.exposure)
    # Everyone starts at the prior mean, so maximum information gives everyone the same first item.
    assert summary.max_exposure == 1.0
    # Ten adaptive items place most examinees within one level.
    assert summary.within_one_level_accuracy > 0.95


def test_sympson_hetter_calibration_brings_exposure_down_to_the_target() -> None:
    base = engine(n_items=150, length=8)
    k = calibrate_sympson_hetter(base, THETAS, target=0.3, iterations=8, seed=5)
    assert k.min() < 0.5
    checked = simulate(base.with_selector(SympsonHetter.of(k)), THETAS, seed=11)
    sampling_sd = np.sqrt(0.3 * 0.7 / THETAS.size)
    assert checked.summary.max_exposure <= 0.3 + 4 * sampling_sd
    assert checked.summary.items_used > simulate(base, THETAS, seed=11).summary.items_used


def test_sympson_hetter_target_leaves_room_for_sampling_error() -> None:
    assert sympson_hetter_target(0.25, 1000) == pytest.approx(0.25 - 3 * np.sqrt(0.25 * 0.75 / 1000))
    assert sympson_hetter_target(0.25, 1) == 0.125
    assert sympson_hetter_target(0.25, 10**9) == pytest.approx(0.25, abs=1e-4)
    # Parameters calibrated on other examinees carry that sample's error as well.
    separate = sympson_hetter_target(0.25, 10_000, calibration_examinees=4000)
    assert separate == pytest.approx(0.25 - 3 * np.sqrt(0.25 * 0.75 * (1 / 10_000 + 1 / 4000)))


def test_exposure_cap_holds_after_every_examinee_and_spreads_the_pool() -> None:
    base = engine(n_items=120, length=10)
    run = simulate(base.with_selector(ExposureCap.start(120, 0.2)), THETAS, seed=3)
    given = np.zeros(120)
    for n, examinee in enumerate(run.examinees, start=1):
        assert len(examinee.result.items) == 10
        given[[base.pool.position(i) for i in examinee.result.items]] += 1
        assert given.max() <= max(1.0, 0.2 * n)
    assert run.summary.max_exposure <= 0.2
    assert run.summary.items_used > simulate(base, THETAS, seed=3).summary.items_used


def test_an_exposure_cap_the_pool_cannot_meet_is_refused() -> None:
    base = engine(n_items=120, length=10)
    with pytest.raises(InfeasibleConstraint, match="needs at least 125"):
        base.with_selector(ExposureCap.start(120, 0.08))
    with pytest.raises(ValueError, match="exposure counts for a pool"):
        base.with_selector(ExposureCap.start(100, 0.5))
