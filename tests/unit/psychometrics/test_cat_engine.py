"""The adaptive engine: selection rule, incremental estimation, constraints, stopping, resuming."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assessment.psychometrics.cat.constraints import Blueprint, InfeasibleConstraint
from assessment.psychometrics.cat.engine import CatConfig, CatEngine, CatSession, CatStateError
from assessment.psychometrics.cat.pool import ItemPool
from assessment.psychometrics.cat.selection import Randomesque
from assessment.psychometrics.cat.stopping import ClassificationStop, StoppingRule
from assessment.psychometrics.estimation import QuadratureGrid, eap, map_estimate, mle
from assessment.psychometrics.levels import LevelScale
from tests.unit.psychometrics.cat_pools import random_pool


def run(session: CatSession, true_theta: float, seed: int = 0) -> CatSession:
    rng = np.random.default_rng(seed)
    pool = session.engine.pool
    while (position := session.next_position(rng)) is not None:
        session.record_position(position, pool.draw_response(true_theta, position, rng.random()))
    return session


def test_each_item_is_the_most_informative_unused_one_at_the_current_estimate() -> None:
    pool = random_pool(150)
    session = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=12))).new_session()
    rng = np.random.default_rng(4)
    while True:
        information = pool.information(session.theta)
        information[session.administered] = -np.inf
        position = session.next_position(rng)
        if position is None:
            break
        assert position == int(np.argmax(information))
        session.record_position(position, int(rng.random() < 0.5))
    assert len(session.administered) == 12 == len(set(session.administered))
    assert session.stop_reason == "max_items"


def test_incremental_eap_equals_eap_of_the_administered_items() -> None:
    pool = random_pool(80)
    session = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=15))).new_session(), 0.7)
    direct = eap(pool.item_set(session.administered), np.array(session.responses, dtype=float))
    assert session.theta == pytest.approx(direct.theta, abs=1e-12)
    assert session.se == pytest.approx(direct.se, abs=1e-12)
    result = session.result()
    assert (result.theta, result.se) == (session.theta, session.se)


@pytest.mark.parametrize("estimator", ["map", "mle"])
def test_map_and_mle_results_equal_the_standalone_estimators(estimator: str) -> None:
    pool = random_pool(80)
    engine = CatEngine(pool, CatConfig(estimator=estimator, stopping=StoppingRule(max_items=20)))  # type: ignore[arg-type]
    session = run(engine.new_session(), -0.4, seed=3)
    items = pool.item_set(session.administered)
    responses = np.array(session.responses, dtype=float)
    expected = map_estimate(items, responses) if estimator == "map" else mle(items, responses)
    result = session.result()
    assert result.theta == pytest.approx(expected.theta, abs=1e-9)
    assert result.se == pytest.approx(expected.se, rel=1e-9)
    # The interim estimate (one Newton step from the grid) is already close to the final one.
    assert session.theta == pytest.approx(result.theta, abs=1e-4)


def test_mle_selects_at_the_eap_until_the_pattern_has_a_right_and_a_wrong_answer() -> None:
    pool = random_pool(60)
    session = CatEngine(pool, CatConfig(estimator="mle", stopping=StoppingRule(max_items=3))).new_session()
    for _ in range(3):
        session.record_position(session.next_position(np.random.default_rng(0)), 1)
    assert session.theta == pytest.approx(eap(pool.item_set(session.administered), np.ones(3)).theta)
    result = session.result()
    assert result.at_bound
    assert result.theta == 4.0


def test_resumed_session_matches_the_live_one() -> None:
    pool = random_pool(100)
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=25)))
    live = engine.new_session()
    rng = np.random.default_rng(9)
    for _ in range(10):
        position = live.next_position(rng)
        live.record_position(position, int(rng.random() < 0.6))
    resumed = engine.resume([pool.item_ids[i] for i in live.administered], live.responses)
    assert resumed.theta == pytest.approx(live.theta, abs=1e-12)
    assert resumed.next_item().item_id == live.next_item().item_id
    with pytest.raises(CatStateError, match="already used"):
        engine.resume([pool.item_ids[0], pool.item_ids[0]], [1, 0])


def test_public_step_api_speaks_item_ids() -> None:
    pool = random_pool(40)
    session = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=2))).new_session()
    step = session.next_item(np.random.default_rng(0))
    assert step.item_id in pool.item_ids
    assert not step.done
    session.record(step.item_id, 1)
    session.record(session.next_item().item_id, 0)
    final = session.next_item()
    assert final.done
    assert final.stop_reason == "max_items"
    with pytest.raises(CatStateError, match="not a category"):
        CatEngine(pool).new_session().record(pool.item_ids[0], 2)


def test_testlet_items_are_delivered_together_in_order() -> None:
    labels = [f"p{i // 4}" if i < 40 else None for i in range(80)]
    pool = random_pool(80, testlets=labels)
    session = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=20))).new_session(), 0.2)
    given = session.administered
    for position, item in enumerate(given):
        unit = pool.units[pool.unit_of[item]]
        if unit.size > 1 and item == unit[0]:
            assert given[position : position + unit.size] == unit.tolist()
    assert any(pool.units[pool.unit_of[i]].size > 1 for i in given)
    assert len(given) <= 20


def test_a_testlet_that_would_overrun_the_maximum_length_is_not_started() -> None:
    # Only testlets of 4 and too few single items: the test must stop short, not overrun.
    labels = [f"p{i // 4}" for i in range(16)] + [None]
    pool = random_pool(17, testlets=labels)
    session = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=6))).new_session(), 0.0)
    assert len(session.administered) <= 6


def test_enemies_never_share_a_test() -> None:
    pool = random_pool(50)
    first = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=10))).new_session()
    favourite = first.next_position(np.random.default_rng(0))
    second_best = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=10))).new_session(), 0.0)
    enemy = next(i for i in second_best.administered if i != favourite)
    hostile = ItemPool.build(
        pool.item_ids, pool.a, pool.b, pool.c, enemy_pairs=[(pool.item_ids[favourite], pool.item_ids[enemy])]
    )
    for seed in range(5):
        session = run(CatEngine(hostile, CatConfig(stopping=StoppingRule(max_items=10))).new_session(), 0.0, seed)
        assert not {favourite, enemy} <= set(session.administered)


def skill_pool() -> ItemPool:
    skills = ["reading"] * 60 + ["listening"] * 30 + ["grammar"] * 10
    return random_pool(100, seed=1, skills=skills)


def test_blueprint_minimums_and_maximums_hold_in_every_test() -> None:
    pool = skill_pool()
    blueprint = Blueprint.of({"listening": (5, 8), "grammar": (3, 4), "reading": (0, 9)})
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=18), blueprint=blueprint))
    for seed, theta in enumerate([-2.0, -0.5, 0.0, 1.0, 2.5]):
        session = run(engine.new_session(), theta, seed)
        counts = dict(zip(pool.skill_names, session.counts.tolist(), strict=True))
        assert 5 <= counts["listening"] <= 8
        assert 3 <= counts["grammar"] <= 4
        assert counts["reading"] <= 9
        assert session.result().issues == ()
        assert set(session.result().skills) == {"reading", "listening", "grammar"}


def test_blueprint_minimums_keep_a_test_going_past_its_other_stops() -> None:
    pool = skill_pool()
    rule = StoppingRule(max_items=20, se_threshold=5.0)  # the SE target is met from the start
    engine = CatEngine(pool, CatConfig(stopping=rule, blueprint=Blueprint.of({"grammar": (2, None)})))
    session = run(engine.new_session(), 0.0)
    assert session.stop_reason == "se_threshold"
    assert session.counts[pool.skill_names.index("grammar")] >= 2


@pytest.mark.parametrize(
    ("quotas", "message"),
    [
        ({"writing": (1, None)}, "no item in the pool has"),
        ({"grammar": (11, None)}, "needs 11 items but the pool has 10"),
        ({"reading": (10, None), "listening": (10, None)}, "add up to 20 items, over the maximum 15"),
    ],
)
def test_blueprints_that_can_never_be_met_are_refused(quotas: dict, message: str) -> None:
    with pytest.raises(InfeasibleConstraint, match=message):
        CatEngine(skill_pool(), CatConfig(stopping=StoppingRule(max_items=15), blueprint=Blueprint.of(quotas)))


def test_a_minimum_that_enemies_make_impossible_is_reported_not_dropped() -> None:
    base = skill_pool()
    grammar = [base.item_ids[i] for i in np.flatnonzero(base.skill_of == base.skill_names.index("grammar"))]
    # Every grammar item is an enemy of every other: at most one can appear in a test.
    pairs = [(x, y) for i, x in enumerate(grammar) for y in grammar[i + 1 :]]
    skills = [base.skill_names[s] for s in base.skill_of]
    pool = ItemPool.build(base.item_ids, base.a, base.b, base.c, skills=skills, enemy_pairs=pairs)
    engine = CatEngine(
        pool, CatConfig(stopping=StoppingRule(max_items=12), blueprint=Blueprint.of({"grammar": (3, None)}))
    )
    result = run(engine.new_session(), 0.0).result()
    codes = {issue.code for issue in result.issues}
    assert "quota_unmet" in codes
    assert "quota_relaxed" in codes
    assert any("grammar: 1 of at least 3" in issue.message for issue in result.issues)


def test_a_test_stops_once_the_standard_error_reaches_the_threshold() -> None:
    pool = random_pool(200)
    session = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=60, se_threshold=0.4))).new_session(), 0.3)
    assert session.stop_reason == "se_threshold"
    assert session.se <= 0.4
    shorter = session.engine.resume([pool.item_ids[i] for i in session.administered[:-1]], session.responses[:-1])
    assert shorter.se > 0.4


def test_minimum_length_holds_even_when_the_se_target_is_met_earlier() -> None:
    pool = random_pool(200)
    rule = StoppingRule(min_items=8, max_items=30, se_threshold=0.99)
    session = run(CatEngine(pool, CatConfig(stopping=rule)).new_session(), 0.0)
    assert len(session.administered) == 8


@pytest.mark.parametrize("method", ["posterior", "ci", "sprt"])
def test_classification_stop_ends_once_the_level_is_decided(method: str) -> None:
    pool = random_pool(300)
    scale = LevelScale()
    stop = ClassificationStop(scale, confidence=0.9, method=method, indifference=0.3, curtail=False)  # type: ignore[arg-type]
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=60, classification=stop)))
    session = run(engine.new_session(), 1.5)  # mid-level: decidable well before 60 items
    assert session.stop_reason == "classified"
    assert len(session.administered) < 60
    decided = stop.bind(engine.grid)
    never = lambda: pytest.fail("an uncurtailed rule does not ask for the future information")  # noqa: E731
    assert decided(session.log_likelihood, session.theta, session.se, never)
    before = engine.resume([pool.item_ids[i] for i in session.administered[:-1]], session.responses[:-1])
    assert not decided(before.log_likelihood, before.theta, before.se, never)
    if method == "posterior":
        assert max(session.result().level_probabilities.values()) >= 0.9


def best_remaining_information(session: CatSession, remaining: int) -> float:
    """Brute force: the information of the ``remaining`` best unused items at the estimate."""
    information = session.engine.pool.information(session.theta)
    unused = np.setdiff1d(np.arange(information.size), session.administered)
    return float(np.sort(information[unused])[::-1][:remaining].sum())


def test_curtailment_stops_once_the_remaining_items_would_likely_keep_the_level() -> None:
    pool = random_pool(300)
    stop = ClassificationStop(LevelScale(), confidence=0.9)
    rule = StoppingRule(max_items=30, classification=stop)
    engine = CatEngine(pool, CatConfig(stopping=rule))
    plain = CatEngine(pool, CatConfig(stopping=replace(rule, classification=replace(stop, curtail=False))))
    # Just above a cut: the posterior rarely reaches 0.9 within 30 items, the curtailment can.
    session = run(engine.new_session(), 0.35, seed=2)
    uncurtailed = run(plain.new_session(), 0.35, seed=2)
    n = len(session.administered)
    assert session.stop_reason == "classified"
    assert n < len(uncurtailed.administered)
    assert session.administered == uncurtailed.administered[:n]  # same draws, same items until the stop
    assert max(session.result().level_probabilities.values()) < 0.9  # stopped by the curtailment
    left = rule.max_items - n
    assert stop.decided(
        engine.grid, session.log_likelihood, session.theta, session.se, best_remaining_information(session, left)
    )
    before = engine.resume([pool.item_ids[i] for i in session.administered[:-1]], session.responses[:-1])
    assert not stop.decided(
        engine.grid, before.log_likelihood, before.theta, before.se, best_remaining_information(before, left + 1)
    )


def test_sprt_decides_from_likelihood_ratios_at_the_cuts() -> None:
    grid = QuadratureGrid.normal()
    stop = ClassificationStop(LevelScale((0.0,)), confidence=0.9, method="sprt", indifference=0.5, curtail=False)
    slope = np.log(9.0) / 1.0  # log LR over cut ± 0.5 equals the threshold log(0.9/0.1)
    assert stop.decided(grid, slope * 1.01 * grid.points, 0.0, 1.0, 5.0)
    assert stop.decided(grid, -slope * 1.01 * grid.points, 0.0, 1.0, 5.0)
    assert not stop.decided(grid, slope * 0.99 * grid.points, 0.0, 1.0, 5.0)
    # With no items left the curtailment decides whatever the ratio; with items left, at the
    # cut, the level is a coin flip.
    assert replace(stop, curtail=True).decided(grid, slope * 0.99 * grid.points, 0.0, 1.0, 0.0)
    assert not replace(stop, curtail=True).decided(grid, slope * 0.99 * grid.points, 0.0, 1.0, 5.0)


def test_result_states_level_and_probabilities_that_sum_to_one() -> None:
    pool = random_pool(150)
    result = run(CatEngine(pool).new_session(), -1.2).result()
    assert set(result.level_probabilities) == {1, 2, 3, 4, 5, 6}
    assert sum(result.level_probabilities.values()) == pytest.approx(1.0)
    assert result.level == LevelScale().level_of(result.theta)
    assert len(result.items) == 30 == len(result.responses)


def test_gpcm_items_can_be_administered_in_a_session() -> None:
    steps = np.full((30, 2), np.nan)
    steps[:10] = np.column_stack([np.linspace(-2, 1, 10), np.linspace(-1, 2, 10)])
    rng = np.random.default_rng(0)
    pool = ItemPool.build(
        [f"g{i}" for i in range(30)], rng.uniform(0.8, 1.6, 30), rng.normal(0, 1, 30), np.full(30, 0.2), steps=steps
    )
    session = run(CatEngine(pool, CatConfig(stopping=StoppingRule(max_items=12))).new_session(), 0.5)
    direct = eap(pool.item_set(session.administered), np.array(session.responses, dtype=float))
    assert session.theta == pytest.approx(direct.theta, abs=1e-12)


def test_engine_refuses_a_minimum_length_beyond_the_pool() -> None:
    with pytest.raises(InfeasibleConstraint, match="minimum length"):
        CatEngine(random_pool(5), CatConfig(stopping=StoppingRule(min_items=6, max_items=10)))


def test_an_exhausted_pool_ends_the_test_and_reports_the_short_length() -> None:
    pool = random_pool(5)
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(min_items=5, max_items=10), selector=Randomesque(2)))
    result = run(engine.new_session(), 0.0).result()
    assert result.stop_reason == "pool_exhausted"
    assert len(result.items) == 5
    assert result.issues == ()
