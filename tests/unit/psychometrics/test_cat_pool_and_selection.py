"""The item pool's arrays and kernels, and the selectors with exposure control."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.cat.pool import InvalidItemPool, ItemPool
from assessment.psychometrics.cat.selection import (
    NOT_ELIGIBLE,
    ExposureCap,
    MaxInfo,
    Randomesque,
    SympsonHetter,
    parse_selector,
)
from assessment.psychometrics.models import info_3pl, info_gpcm, prob_3pl, prob_gpcm
from tests.unit.psychometrics.cat_pools import random_pool


def mixed_pool() -> ItemPool:
    steps = np.full((5, 3), np.nan)
    steps[3] = [-1.0, 0.0, 1.2]
    steps[4, :2] = [-0.3, 0.9]
    return ItemPool.build(
        ["m1", "m2", "m3", "w1", "w2"],
        [1.1, 0.8, 1.7, 0.9, 1.3],
        [0.2, -1.0, 0.6, 0.0, 0.0],
        [0.2, 0.0, 0.1, 0, 0],
        steps=steps,
    )


@pytest.mark.parametrize("theta", [-3.0, -0.4, 0.0, 1.3, 4.0])
def test_pool_information_is_the_3pl_closed_form(theta: float) -> None:
    pool = random_pool(200)
    assert np.allclose(pool.information(theta), info_3pl(theta, pool.a, pool.b, pool.c), rtol=1e-12)


def test_pool_information_stays_finite_far_from_the_items() -> None:
    pool = ItemPool.build(["steep"], [40.0], [5.0], [0.2])
    with np.errstate(all="raise"):
        assert 0.0 <= pool.information(-20.0)[0] < 1e-100


def test_mixed_pool_uses_each_items_model() -> None:
    pool = mixed_pool()
    info = pool.information(0.3)
    assert np.allclose(info[:3], info_3pl(0.3, pool.a[:3], pool.b[:3], pool.c[:3]))
    assert np.allclose(info[3:], info_gpcm(0.3, pool.a[3:], pool.steps[3:]))
    assert pool.categories.tolist() == [2, 2, 2, 4, 3]
    table = pool.category_log_probabilities(np.array([0.3]))
    assert np.allclose(np.exp(table[3, :, 0]), prob_gpcm(0.3, pool.a[3:4], pool.steps[3:4])[0])
    assert np.allclose(np.exp(table[0, 1, 0]), prob_3pl(0.3, [1.1], [0.2], [0.2]))


def test_drawn_responses_follow_the_model_probability() -> None:
    pool = mixed_pool()
    p = float(prob_3pl(0.5, [1.1], [0.2], [0.2])[0])
    assert pool.draw_response(0.5, 0, p - 1e-9) == 1
    assert pool.draw_response(0.5, 0, p + 1e-9) == 0
    cumulative = np.cumsum(prob_gpcm(0.5, pool.a[3:4], pool.steps[3:4])[0])
    assert pool.draw_response(0.5, 3, cumulative[1] + 1e-9) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item_ids": ["x", "x"]}, "duplicate item id 'x'"),
        ({"a": [1.0, 0.0]}, "item 'y': a must be a positive"),
        ({"c": [0.2, 1.0]}, r"item 'y': c must be in \[0, 1\)"),
        ({"b": [np.nan, 0.0]}, "item 'x': b must be a finite"),
        ({"enemy_pairs": [("x", "zzz")]}, "not in the pool"),
        ({"enemy_pairs": [("x", "y")], "testlets": ["t", "t"]}, "contains a pair of enemies"),
    ],
)
def test_pool_rejects_bad_items_naming_them(change: dict, message: str) -> None:
    arguments = {"item_ids": ["x", "y"], "a": [1.0, 1.2], "b": [0.0, 0.5], "c": [0.2, 0.2]} | change
    with pytest.raises(InvalidItemPool, match=message):
        ItemPool.build(**arguments)


def test_testlets_group_items_into_units_in_pool_order() -> None:
    pool = random_pool(6, testlets=[None, "p1", "p2", "p1", None, "p2"])
    assert [m.tolist() for m in pool.units] == [[0], [1, 3], [2, 5], [4]]
    assert pool.unit_of.tolist() == [0, 1, 2, 1, 3, 2]


def test_maxinfo_takes_the_best_eligible_item_or_none() -> None:
    rng = np.random.default_rng(0)
    assert MaxInfo().choose(np.array([0.1, 0.9, NOT_ELIGIBLE, 0.5]), rng).item == 1
    assert MaxInfo().choose(np.full(3, NOT_ELIGIBLE), rng).item is None


def test_randomesque_draws_evenly_among_the_top_k_eligible() -> None:
    rng = np.random.default_rng(1)
    scores = np.array([0.9, 0.8, NOT_ELIGIBLE, 0.7, 0.1, 0.2, 0.95])
    picks = [Randomesque(3).choose(scores.copy(), rng).item for _ in range(3000)]
    counts = np.bincount(picks, minlength=7)
    assert set(np.flatnonzero(counts)) == {0, 1, 6}
    assert counts[[0, 1, 6]].min() > 900
    assert Randomesque(5).choose(np.array([NOT_ELIGIBLE, 0.3]), rng).item == 1


def test_sympson_hetter_gives_an_item_with_probability_k_and_sets_it_aside_otherwise() -> None:
    rng = np.random.default_rng(2)
    selector = SympsonHetter.of([0.3, 1.0, 1.0])
    outcomes = [selector.choose(np.array([0.9, 0.5, 0.1]), rng) for _ in range(4000)]
    given_first = np.mean([o.item == 0 for o in outcomes])
    assert given_first == pytest.approx(0.3, abs=0.03)
    assert all(o.set_aside == (0,) for o in outcomes if o.item == 1)
    assert SympsonHetter.of([0.5]).choose(np.array([NOT_ELIGIBLE]), rng).item is None


def test_sympson_hetter_rejects_parameters_outside_zero_one() -> None:
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        SympsonHetter.of([0.0, 1.0])


def test_selector_text_is_parsed_or_refused() -> None:
    assert isinstance(parse_selector("maxinfo", 10), MaxInfo)
    assert parse_selector("randomesque:7", 10) == Randomesque(7)
    assert isinstance(parse_selector("sympson-hetter", 10), SympsonHetter)
    cap = parse_selector("exposure-cap:0.3", 10)
    assert isinstance(cap, ExposureCap)
    assert (cap.r_max, cap.tests, cap.given.tolist()) == (0.3, 0, [0.0] * 10)
    assert parse_selector("exposure-cap", 10).r_max == 0.25  # type: ignore[attr-defined]
    for bad in ("best", "randomesque:x", "randomesque:0", "maxinfo:2", "exposure-cap:2", "exposure-cap:x"):
        with pytest.raises(ValueError, match=r"randomesque|selector|exposure-cap"):
            parse_selector(bad, 10)


def test_exposure_cap_leaves_out_items_whose_rate_would_pass_the_cap() -> None:
    # After 8 tests a 0.25 cap allows 0.25 * 9 = 2.25 uses by the end of the 9th: items given
    # twice or more already are left out, the others are not.
    cap = ExposureCap(0.25, np.array([0.0, 1.0, 2.0, 3.0]), tests=8)
    assert cap.frozen.tolist() == [False, False, True, True]
    scores = np.array([0.2, 0.3, 0.9, 0.8])
    assert cap.choose(scores, np.random.default_rng(0)).item == 1
    # In the first 1/r_max tests an item may be given once.
    assert ExposureCap(0.25, np.array([0.0, 1.0]), tests=2).frozen.tolist() == [False, True]
    later = cap.after([0, 3])
    assert (later.given.tolist(), later.tests) == ([1.0, 1.0, 2.0, 4.0], 9)
    assert cap.given.tolist() == [0.0, 1.0, 2.0, 3.0]  # the earlier counts are kept as they were
    with pytest.raises(ValueError, match="between 0 and the number of tests"):
        ExposureCap(0.25, np.array([3.0]), tests=2)


def test_exposure_cap_leaves_out_a_testlet_with_any_item_at_the_cap() -> None:
    unit_of = np.array([0, 1, 1, 2])
    cap = ExposureCap(0.5, np.array([0.0, 0.0, 3.0, 1.0]), tests=4, unit_of=unit_of)
    assert cap.frozen.tolist() == [False, True, True, False]
