"""Parameter recovery at moderate sizes, sparse and anchored designs, and data that cannot be used."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.calibration import (
    CalibrationError,
    InvalidResponses,
    ItemParameters,
    ItemsNotEstimable,
    ResponseData,
    calibrate,
)
from assessment.psychometrics.models import prob_3pl, prob_gpcm


def simulate_3pl(rng: np.random.Generator, a, b, c, theta) -> np.ndarray:
    p = prob_3pl(theta, a, b, c)
    return (rng.random(p.shape) < p).astype(float)


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((estimate - truth) ** 2)))


def adaptive_responses(
    rng: np.random.Generator, a: np.ndarray, b: np.ndarray, theta: np.ndarray, length: int, pick_from: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Long-form responses of a simple adaptive test: each step gives one of the ``pick_from``
    unused items whose difficulty is closest to the running EAP, at random (exposure control)."""
    grid = np.linspace(-5, 5, 41)
    log_post = np.tile(-0.5 * grid**2, (theta.size, 1))
    used = np.zeros((theta.size, b.size), dtype=bool)
    persons, items, scores = [], [], []
    rows = np.arange(theta.size)
    for _ in range(length):
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        eap = (post @ grid) / post.sum(axis=1)
        distance = np.where(used, np.inf, np.abs(b - eap[:, np.newaxis]))
        nearest = np.argpartition(distance, pick_from, axis=1)[:, :pick_from]
        item = nearest[rows, rng.integers(0, pick_from, theta.size)]
        score = (rng.random(theta.size) < 1 / (1 + np.exp(-a[item] * (theta - b[item])))).astype(int)
        right = prob_3pl(grid, a[item], b[item])  # (grid, persons)
        log_post += np.where(score == 1, np.log(right), np.log1p(-right)).T
        used[rows, item] = True
        persons.append(rows)
        items.append(item)
        scores.append(score)
    return np.concatenate(persons), np.concatenate(items), np.concatenate(scores)


def test_2pl_recovers_generating_parameters() -> None:
    rng = np.random.default_rng(61)
    a, b = rng.lognormal(0.0, 0.3, 30), rng.normal(size=30)
    result = calibrate(ResponseData.from_matrix(simulate_3pl(rng, a, b, 0.0, rng.normal(size=3000))), "2pl")

    assert result.converged
    assert rmse(result.column("a"), a) < 0.08
    assert rmse(result.column("b"), b) < 0.07
    # The reported SEs describe the actual errors.
    assert 0.7 < rmse(result.column("b"), b) / np.sqrt(np.mean(result.column("se_b") ** 2)) < 1.4


def test_missing_responses_are_missing_not_wrong() -> None:
    rng = np.random.default_rng(62)
    a, b = rng.lognormal(0.0, 0.3, 20), rng.uniform(-1.5, 1.5, 20)
    matrix = simulate_3pl(rng, a, b, 0.0, rng.normal(size=3000))
    matrix[rng.random(matrix.shape) < 0.6] = np.nan

    result = calibrate(ResponseData.from_matrix(matrix), "2pl", with_fit=False)
    as_wrong = calibrate(ResponseData.from_matrix(np.nan_to_num(matrix)), "2pl", with_fit=False)

    assert abs(np.mean(result.column("b") - b)) < 0.05
    # Errors are as large as the SEs say (a mean squared z of 1 in expectation), not larger.
    assert np.mean(((result.column("b") - b) / result.column("se_b")) ** 2) < 2.0
    # Scoring the unanswered items as wrong would make every item look much harder.
    assert np.mean(as_wrong.column("b") - b) > 0.5


@pytest.mark.slow
def test_sparse_adaptive_data_recovers_the_bank() -> None:
    rng = np.random.default_rng(63)
    a, b = rng.lognormal(0.0, 0.25, 300), rng.normal(size=300)
    persons, items, scores = adaptive_responses(rng, a, b, rng.normal(size=6000), length=30, pick_from=40)
    data = ResponseData.from_long(persons, items, scores, items=range(300))

    result = calibrate(data, "2pl")

    assert data.n_responses == 6000 * 30
    assert result.converged
    assert np.corrcoef(result.column("b"), b)[0, 1] >= 0.95
    assert np.corrcoef(result.column("a"), a)[0, 1] >= 0.6


def test_anchors_put_new_items_on_the_anchor_scale() -> None:
    rng = np.random.default_rng(64)
    a, b = rng.lognormal(0.0, 0.25, 25), rng.normal(size=25)
    # The new cohort is abler and more spread out than the one the anchors were calibrated on.
    matrix = simulate_3pl(rng, a, b, 0.0, rng.normal(0.5, 1.3, size=4000))
    data = ResponseData.from_matrix(matrix)
    anchors = {i: ItemParameters(a=a[i], b=b[i]) for i in range(15)}

    anchored = calibrate(data, "2pl", anchors=anchors)
    free = calibrate(data, "2pl", with_fit=False)

    new = slice(15, 25)
    assert anchored.population.mean == pytest.approx(0.5, abs=0.08)
    assert anchored.population.sd == pytest.approx(1.3, abs=0.08)
    np.testing.assert_array_equal(anchored.column("a")[:15], a[:15])
    np.testing.assert_allclose(anchored.column("b")[:15], b[:15], atol=1e-12)
    assert np.isnan(anchored.column("se_b")[:15]).all() and (anchored.column("se_b")[new] > 0).all()
    assert [item.anchored for item in anchored.items] == [True] * 15 + [False] * 10
    assert rmse(anchored.column("b")[new], b[new]) < 0.1
    assert rmse(anchored.column("a")[new], a[new]) < 0.1
    # Without the anchors the items are put on the cohort's own N(0, 1) scale instead.
    assert rmse(free.column("b")[new], b[new]) > 0.3


@pytest.mark.slow
def test_3pl_recovers_guessing_with_its_priors() -> None:
    rng = np.random.default_rng(65)
    a, b, c = rng.lognormal(0.1, 0.2, 20), rng.normal(0.3, 0.8, 20), rng.uniform(0.12, 0.28, 20)
    result = calibrate(ResponseData.from_matrix(simulate_3pl(rng, a, b, c, rng.normal(size=6000))), "3pl")

    assert result.converged
    assert rmse(result.column("c"), c) < 0.05
    assert rmse(result.column("b"), b) < 0.15
    assert rmse(result.column("a"), a) < 0.2


def test_gpcm_recovers_slopes_and_steps() -> None:
    rng = np.random.default_rng(66)
    a, steps = rng.lognormal(0.0, 0.25, 10), np.sort(rng.normal(size=(10, 3)), axis=1)
    steps[:3, 2] = np.nan  # three items have three categories, the others four
    p = prob_gpcm(rng.normal(size=3000), a, steps)
    matrix = (rng.random((*p.shape[:-1], 1)) > p.cumsum(axis=-1)).sum(axis=-1).astype(float)

    result = calibrate(ResponseData.from_matrix(matrix), "gpcm")

    assert rmse(result.column("a"), a) < 0.1
    estimated = np.concatenate([item.steps for item in result.items])
    assert rmse(estimated, steps[~np.isnan(steps)]) < 0.12
    assert [len(item.steps) for item in result.items] == [2] * 3 + [3] * 7
    assert all(len(item.se_steps) == len(item.steps) for item in result.items)


def test_progress_is_reported_and_non_convergence_is_said() -> None:
    rng = np.random.default_rng(67)
    data = ResponseData.from_matrix(simulate_3pl(rng, 1.0, np.linspace(-1, 1, 5), 0.0, rng.normal(size=200)))
    seen: list[tuple[int, float]] = []

    result = calibrate(data, "2pl", max_iter=2, tol=1e-12, progress=lambda i, change: seen.append((i, change)))

    assert [i for i, _ in seen] == [1, 2]
    assert not result.converged and result.iterations == 2


# --- data that cannot be calibrated -----------------------------------------------------------


def test_items_without_responses_or_with_all_the_same_are_named() -> None:
    data = ResponseData.from_long(
        ["p1", "p2", "p3", "p1", "p2", "p3", "p1", "p2"],
        ["easy", "easy", "easy", "ok", "ok", "ok", "gap", "gap"],
        [1, 1, 1, 0, 1, 0, np.nan, np.nan],
        items=["unseen"],
    )

    with pytest.raises(ItemsNotEstimable) as error:
        calibrate(data, "2pl")

    assert error.value.problems == {"unseen": "no responses", "easy": "all 3 responses are 1", "gap": "no responses"}


def test_scores_above_one_are_refused_for_right_wrong_models() -> None:
    data = ResponseData.from_long(["p1", "p2", "p3"], ["x", "x", "x"], [1, 2, 0])

    with pytest.raises(InvalidResponses, match="needs scores 0 or 1") as error:
        calibrate(data, "rasch")

    assert error.value.rows == (1,)


def test_a_category_nobody_reached_is_refused_for_gpcm() -> None:
    data = ResponseData.from_long(["p1", "p2", "p3", "p4"], ["x", "x", "x", "x"], [0, 1, 3, 1])

    with pytest.raises(ItemsNotEstimable, match="no response scored 2"):
        calibrate(data, "gpcm")


def test_anchors_nobody_answered_cannot_link_the_scale() -> None:
    data = ResponseData.from_long(["p1", "p2"], ["x", "x"], [0, 1])

    with pytest.raises(CalibrationError, match="none of the 1 anchor items"):
        calibrate(data, "2pl", anchors={"y": ItemParameters(a=1.0, b=0.0)})
