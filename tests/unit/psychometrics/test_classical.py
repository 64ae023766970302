"""Classical statistics on hand-worked data and against girth's values computed here."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.classical import (
    cronbach_alpha,
    distractor_analysis,
    item_statistics,
    kr20,
    rest_scores,
)

# Five persons, three right/wrong items.
HAND = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1]], dtype=float)


def test_p_values_and_reliability_of_a_hand_worked_form() -> None:
    # p = (.8, .6, .4); Σpq = .16 + .24 + .24 = .64; totals 2,1,3,0,3 have mean 1.8 and
    # variance (over N) 6.8 / 5 = 1.36, so KR-20 = 3/2 · (1 - .64 / 1.36) = 0.794117...
    stats = item_statistics(HAND)

    np.testing.assert_allclose(stats.p_value, [0.8, 0.6, 0.4])
    assert stats.n.tolist() == [5, 5, 5]
    assert kr20(HAND) == pytest.approx(1.5 * (1 - 0.64 / 1.36))
    # Alpha takes both variances over N - 1, which cancels: on 0/1 data it equals KR-20.
    assert cronbach_alpha(HAND) == pytest.approx(kr20(HAND))


def test_an_item_nobody_got_right_has_a_p_value_of_zero_and_one_nobody_answered_none() -> None:
    scores = np.array([[1, 0, 1, np.nan], [0, 0, 1, np.nan], [1, 0, 0, np.nan], [1, 0, 1, np.nan]])
    p_value = item_statistics(scores).p_value
    np.testing.assert_allclose(p_value[:3], [0.75, 0.0, 0.75])
    assert np.isnan(p_value[3])


def test_corrected_item_total_correlation_leaves_the_item_out() -> None:
    # Item 0 = (1,1,1,0,1) against the rest sums (1,0,2,0,2): Σdxdy = 1.0, Σdx² = 0.8, Σdy² = 4,
    # so r = 1 / √3.2 = 0.5590...
    stats = item_statistics(HAND)

    assert stats.point_biserial[0] == pytest.approx(1 / np.sqrt(3.2))
    for item in range(3):
        rest = HAND.sum(axis=1) - HAND[:, item]
        assert stats.point_biserial[item] == pytest.approx(np.corrcoef(HAND[:, item], rest)[0, 1])
        assert stats.alpha_if_deleted[item] == pytest.approx(cronbach_alpha(np.delete(HAND, item, axis=1)))


def test_rest_scores_average_the_other_answered_items() -> None:
    scores = np.array([[1, 0, np.nan], [1, 1, 1]], dtype=float)

    np.testing.assert_allclose(rest_scores(scores), [[0.0, 1.0, 0.5], [1.0, 1.0, 1.0]])


def test_polytomous_p_value_is_the_mean_over_the_maximum_and_kr20_refuses_it() -> None:
    scores = np.array([[0, 2], [1, 4], [2, 3], [2, 1]], dtype=float)

    stats = item_statistics(scores, max_scores=[2, 4])

    np.testing.assert_allclose(stats.p_value, [5 / 8, 10 / 16])
    assert np.isnan(stats.alpha_if_deleted).all()  # one item left: no alpha
    with pytest.raises(ValueError, match="KR-20 needs scores 0 or 1"):
        kr20(scores)


def test_matches_girth_classical_statistics() -> None:
    girth = pytest.importorskip("girth")
    from girth.common import cronbach_alpha as girth_alpha

    rng = np.random.default_rng(81)
    theta = rng.normal(size=300)
    scores = (rng.random((300, 8)) < 1 / (1 + np.exp(-(theta[:, None] - np.linspace(-1, 1, 8))))).astype(float)

    theirs = girth.classical_test_statistics(scores.T.astype(int), start_value=0, stop_value=1)
    ours = item_statistics(scores)

    np.testing.assert_allclose(ours.point_biserial, theirs["Item-Score Correlation"], atol=1e-12)
    np.testing.assert_allclose(ours.alpha_if_deleted, theirs["Cronbach Alpha"], atol=1e-12)
    np.testing.assert_allclose(ours.mean, theirs["Mean"], atol=1e-12)
    assert cronbach_alpha(scores) == pytest.approx(girth_alpha(scores.T.astype(int)), abs=1e-12)


def test_item_statistics_with_missing_responses_match_girth() -> None:
    girth = pytest.importorskip("girth")
    from girth.utilities import INVALID_RESPONSE

    rng = np.random.default_rng(82)
    scores = (rng.random((200, 6)) < 0.6).astype(float)
    scores[rng.random(scores.shape) < 0.2] = np.nan
    tagged = np.where(np.isnan(scores), INVALID_RESPONSE, scores).T.astype(int)

    theirs = girth.classical_test_statistics(tagged, start_value=0, stop_value=1)
    ours = item_statistics(scores)

    assert ours.n.tolist() == theirs["Item Counts"].tolist()
    np.testing.assert_allclose(ours.mean, theirs["Mean"], atol=1e-12)
    np.testing.assert_allclose(ours.point_biserial, theirs["Item-Score Correlation"], atol=1e-12)


def test_distractor_analysis_of_a_hand_worked_item() -> None:
    choices = np.array([
        ["A", "B"], ["A", "B"], ["B", "B"], ["C", "A"], ["A", None], ["B", "C"],
    ], dtype=object)

    rows = distractor_analysis(choices, ["A", "B"], options=[["A", "B", "C", "D"], ["A", "B", "C"]])

    first = {row.option: row for row in rows if row.item == 0}
    # Person 4 skipped item 1, so has no rest score; the others' rest scores (item 1 right?)
    # are 1,1,1,0,0 and they chose A,A,B,C,B. Choosing A: (1,1,0,0,0), r = 0.8 / 1.2.
    assert first["A"].is_key and first["A"].n == 2 and first["A"].proportion == pytest.approx(0.4)
    assert first["A"].point_biserial == pytest.approx(0.8 / 1.2)
    assert first["C"].point_biserial < 0
    assert first["D"].n == 0 and np.isnan(first["D"].point_biserial)
    assert not first["B"].is_key


def test_distractors_of_able_and_weak_candidates_discriminate_in_opposite_directions() -> None:
    rng = np.random.default_rng(83)
    theta = rng.normal(size=2000)
    right = rng.random((2000, 10)) < 1 / (1 + np.exp(-1.5 * theta[:, None]))
    choices = np.where(right, "A", np.where(rng.random((2000, 10)) < 0.5, "B", "C")).astype(object)

    rows = [row for row in distractor_analysis(choices, ["A"] * 10) if row.item == 0]

    key, distractors = rows[0], rows[1:]
    assert key.option == "A" and key.discrimination > 0.3 and key.point_biserial > 0.3
    assert all(row.discrimination < 0 and row.point_biserial < 0 for row in distractors)
    assert sum(row.proportion for row in rows) == pytest.approx(1.0)
