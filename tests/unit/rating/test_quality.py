"""Rater-quality statistics on small sets worked out by hand, and kappa against two other forms of it."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assessment.rating.quality import (
    VSTEP_SCALE,
    QualityThresholds,
    Rating,
    ScoreScale,
    adjacent_agreement,
    category_indices,
    exact_agreement,
    pair_agreement,
    period_start,
    quadratic_weighted_kappa,
    quality_over_time,
    rater_quality,
    rater_report,
    severity,
)

BANDS = (1, 2, 3, 4)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def _ratings(rater, scores, finals, *, benchmark=False, start=START, every=timedelta(hours=1)):
    return [
        Rating(rater_id=rater, response_id=f"{rater}-{benchmark}-{i}", score=score, final_score=final,
               rated_at=start + i * every, is_benchmark=benchmark)
        for i, (score, final) in enumerate(zip(scores, finals, strict=True))
    ]


def _kappa_by_moments(x, y):
    """Quadratic kappa as 2·cov / (var x + var y + (mean x − mean y)²), moments over n
    (Fleiss & Cohen 1973): no confusion matrix at all."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    covariance = np.mean((x - x.mean()) * (y - y.mean()))
    return 2 * covariance / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)


def _kappa_by_all_pairs(x, y):
    """1 − mean squared difference of the actual pairs / of every first score with every second
    score (chance pairing)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 1 - np.mean((x - y) ** 2) / np.mean(np.subtract.outer(x, y) ** 2)


# --- exact and adjacent agreement, severity ---------------------------------------------------


def test_exact_and_adjacent_agreement_of_four_vstep_pairs() -> None:
    # Differences 0, −0.5, +1.0, 0: two equal (2/4), three within one step of 0.5 (3/4),
    # all four within 1.0.
    first, second = [5.0, 6.0, 6.5, 7.0], [5.0, 6.5, 5.5, 7.0]

    assert exact_agreement(first, second) == 0.5
    assert adjacent_agreement(first, second) == 0.75
    assert adjacent_agreement(first, second, tolerance=1.0) == 1.0
    assert adjacent_agreement(first, second, tolerance=0.0) == exact_agreement(first, second)


def test_adjacent_agreement_on_a_scale_of_tenths_is_not_fooled_by_float_noise() -> None:
    scale = ScoreScale.stepped(0.0, 1.0, 0.1)

    # 0.3 − 0.2 is 0.09999999999999998 and 0.1 · 3 is 0.30000000000000004 in floats.
    assert adjacent_agreement([0.3, 0.7], [0.2, 0.9], tolerance=scale.adjacent) == 0.5
    assert category_indices([0.3, 0.1 * 3, 1.0], scale.categories).tolist() == [3, 3, 10]


def test_severity_is_negative_for_a_rater_below_the_final_and_positive_above() -> None:
    # Rater − final: −0.5, +0.5, −1.0, mean −1/3: on the severe side.
    assert severity([6.0, 7.0, 5.5], [6.5, 6.5, 6.5]) == pytest.approx(-1 / 3)
    # +0.5, +1.0, 0: mean +0.5, lenient.
    assert severity([7.0, 7.5, 6.0], [6.5, 6.5, 6.0]) == pytest.approx(0.5)
    assert severity([6.0], [6.0]) == 0.0


# --- quadratic weighted kappa -------------------------------------------------------------------


def test_kappa_of_eight_pairs_on_four_bands_worked_by_hand() -> None:
    first = [1, 1, 2, 2, 3, 3, 4, 4]
    second = [1, 2, 2, 3, 3, 3, 4, 3]
    # Observed counts O (rows first 1-4, columns second 1-4), n = 8:
    #     [1 1 0 0]      row totals r = (2, 2, 2, 2)
    #     [0 1 1 0]      column totals c = (1, 2, 4, 1)
    #     [0 0 2 0]
    #     [0 0 1 1]
    # Unnormalised weights (i − j)²; the 1/(k − 1)² = 1/9 cancels in the ratio.
    # Σ w·O = (1,2) + (2,3) + (4,3) = 1 + 1 + 1 = 3.
    # Expected counts E = r_i·c_j / 8 = c_j / 4 in every row: (0.25, 0.5, 1, 0.25).
    # Σ_i (i − j)² over rows i = 1..4 is 14, 6, 6, 14 for j = 1..4, so
    # Σ w·E = (1·14 + 2·6 + 4·6 + 1·14) / 4 = 64 / 4 = 16, and κ = 1 − 3/16 = 13/16.
    kappa = quadratic_weighted_kappa(first, second, categories=BANDS)

    assert kappa == pytest.approx(13 / 16)
    # By moments: mean 2.5 and 2.625, variances 1.25 and 0.734375, covariance 0.8125,
    # so 2 · 0.8125 / (1.25 + 0.734375 + 0.015625) = 1.625 / 2 = 0.8125.
    assert _kappa_by_moments(first, second) == pytest.approx(13 / 16)
    assert _kappa_by_all_pairs(first, second) == pytest.approx(13 / 16)


def test_kappa_is_the_same_on_the_vstep_scale_and_symmetric_in_the_two_raters() -> None:
    # The four bands as VSTEP scores 5.0-6.5: equally spaced, and the 17 unused categories at the
    # ends of 0-10 only rescale both disagreements alike.
    as_vstep = {1: 5.0, 2: 5.5, 3: 6.0, 4: 6.5}
    first = [as_vstep[s] for s in (1, 1, 2, 2, 3, 3, 4, 4)]
    second = [as_vstep[s] for s in (1, 2, 2, 3, 3, 3, 4, 3)]

    assert quadratic_weighted_kappa(first, second, categories=VSTEP_SCALE.categories) == pytest.approx(13 / 16)
    assert quadratic_weighted_kappa(second, first, categories=VSTEP_SCALE.categories) == pytest.approx(13 / 16)


def test_kappa_weights_go_by_category_position() -> None:
    # Categories (1, 2, 10) are positions 0, 1, 2 exactly like (1, 2, 3).
    first, second = [1, 2, 2, 3], [1, 1, 2, 3]
    uneven = [{3: 10}.get(s, s) for s in first], [{3: 10}.get(s, s) for s in second]

    assert quadratic_weighted_kappa(*uneven, categories=(1, 2, 10)) == pytest.approx(
        quadratic_weighted_kappa(first, second, categories=(1, 2, 3)))


def test_perfect_agreement_gives_kappa_one() -> None:
    assert quadratic_weighted_kappa([1, 2, 3, 4, 4], [1, 2, 3, 4, 4], categories=BANDS) == 1.0
    assert pair_agreement([4.0, 6.5, 9.0], [4.0, 6.5, 9.0]).qwk == 1.0


def test_mirror_image_disagreement_gives_kappa_minus_one() -> None:
    # Counts: O has (1,4) and (4,1) once each, Σ w·O = 9 + 9 = 18. r = c = (1, 0, 0, 1), so
    # E = r_i·c_j / 2 is 0.5 on each of (1,1), (1,4), (4,1), (4,4): Σ w·E = 0.5·9 + 0.5·9 = 9.
    # κ = 1 − 18/9 = −1.
    assert quadratic_weighted_kappa([1, 4], [4, 1], categories=BANDS) == -1.0
    assert quadratic_weighted_kappa([0.0, 10.0], [10.0, 0.0], categories=VSTEP_SCALE.categories) == -1.0


def test_kappa_is_undefined_when_both_raters_use_one_and_the_same_category() -> None:
    # O = E = all mass on (3,3), whose weight is 0: 0/0.
    assert math.isnan(quadratic_weighted_kappa([3, 3, 3], [3, 3, 3], categories=BANDS))
    agreement = pair_agreement([6.0, 6.0], [6.0, 6.0])
    assert math.isnan(agreement.qwk) and agreement.exact == 1.0 and agreement.adjacent == 1.0


def test_kappa_is_zero_when_one_rater_does_not_vary() -> None:
    # (3,2), (3,3), (3,4): Σ w·O = 1 + 0 + 1 = 2. r = (0, 0, 3, 0), c = (0, 1, 1, 1), so row 3 of E
    # is (0, 1, 1, 1) and Σ w·E = 1 + 0 + 1 = 2: κ = 1 − 2/2 = 0.
    assert quadratic_weighted_kappa([3, 3, 3], [2, 3, 4], categories=BANDS) == 0.0
    # Both constant but apart: O = E = all mass on (2,3), κ = 1 − 1 = 0.
    assert quadratic_weighted_kappa([2, 2], [3, 3], categories=BANDS) == 0.0


def test_a_single_pair_follows_the_formula() -> None:
    # With one pair O = E (a single cell of mass 1): κ = 0 when the scores differ, 0/0 when equal.
    assert quadratic_weighted_kappa([2], [3], categories=BANDS) == 0.0
    assert math.isnan(quadratic_weighted_kappa([2], [2], categories=BANDS))

    single = pair_agreement([6.0], [7.5])
    assert (single.n, single.exact, single.adjacent, single.qwk) == (1, 0.0, 0.0, 0.0)
    assert (single.mean_difference, single.mean_absolute_difference, single.discrepant) == (-1.5, 1.5, 1)


@pytest.mark.parametrize(("scale", "seed"), [
    (VSTEP_SCALE, 1), (ScoreScale.stepped(0, 10, 1), 2), (ScoreScale.stepped(1, 5, 1), 3),
])
def test_kappa_matches_its_moment_and_all_pairs_forms(scale: ScoreScale, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = len(scale.categories)
    truth = rng.integers(0, k, size=200)
    first = np.clip(truth + rng.integers(-2, 3, size=200), 0, k - 1)
    second = np.clip(truth + rng.integers(-1, 3, size=200), 0, k - 1)  # a lenient second rater
    x, y = np.asarray(scale.categories)[first], np.asarray(scale.categories)[second]

    kappa = quadratic_weighted_kappa(x, y, categories=scale.categories)

    assert 0.3 < kappa < 1.0
    assert kappa == pytest.approx(_kappa_by_moments(first, second), abs=1e-12)
    assert kappa == pytest.approx(_kappa_by_all_pairs(x, y), abs=1e-12)


# --- pair statistics for double marking --------------------------------------------------------


def test_pair_agreement_of_five_double_marked_responses() -> None:
    first, second = [5.0, 6.0, 6.5, 7.0, 4.0], [5.0, 6.5, 5.5, 7.0, 6.0]
    # Differences 0, −0.5, +1.0, 0, −2.0.
    agreement = pair_agreement(first, second)

    assert agreement.n == 5
    assert agreement.exact == pytest.approx(2 / 5)
    assert agreement.adjacent == pytest.approx(3 / 5)
    assert agreement.mean_difference == pytest.approx(-1.5 / 5)
    assert agreement.mean_absolute_difference == pytest.approx(3.5 / 5)
    # VSTEP discrepancy defaults to two steps (1.0): 1.0 apart is not beyond it, 2.0 is.
    assert agreement.discrepant == 1
    # Means 5.7 and 6, variances 1.16 and 0.5, covariance 0.35: κ = 0.7 / (1.16 + 0.5 + 0.09) = 0.4.
    assert agreement.qwk == pytest.approx(0.4)


def test_scales_for_rubric_bands() -> None:
    bands = ScoreScale.stepped(1, 5, 1)

    assert bands.categories == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert (bands.adjacent, bands.discrepancy) == (1, 2)
    assert ScoreScale([1, 2, 3], adjacent=1, discrepancy=1).categories == (1.0, 2.0, 3.0)
    assert len(VSTEP_SCALE.categories) == 21 and VSTEP_SCALE.adjacent == 0.5
    assert pair_agreement([1, 3, 5], [2, 5, 2], scale=bands).adjacent == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="whole number of steps"):
        ScoreScale.stepped(0, 10, 0.3)


@pytest.mark.parametrize(("first", "second", "message"), [
    ([], [], "no paired scores"),
    ([5.0, 6.0], [5.0], "equal lengths"),
    ([5.0, float("nan")], [5.0, 6.0], "NaN"),
    ([6.25], [6.0], "6.25 is not one of the categories"),
    ([11.0], [6.0], "11 is not one of the categories"),
])
def test_malformed_scores_are_refused(first, second, message) -> None:
    with pytest.raises(ValueError, match=message):
        pair_agreement(first, second)


def test_malformed_categories_are_refused() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        quadratic_weighted_kappa([1], [1], categories=(1,))
    with pytest.raises(ValueError, match="strictly increasing"):
        quadratic_weighted_kappa([1], [2], categories=(2, 1))


# --- raters, flags, time ------------------------------------------------------------------------

FINALS = [4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]


def _off(finals, changes):
    return [changes.get(i, final) for i, final in enumerate(finals)]


def test_a_rater_is_flagged_below_the_adjacent_threshold_but_not_at_it() -> None:
    steady = _ratings("steady", _off(FINALS, {0: 5.0, 9: 7.5}), FINALS)  # 8 of 10 equal: 0.8
    loose = _ratings("loose", _off(FINALS, {0: 5.0, 4: 7.0, 9: 7.5}), FINALS)  # 7 of 10: 0.7

    report = {quality.rater_id: quality for quality in rater_report(steady + loose)}

    assert report["steady"].live.adjacent == 0.8 and not report["steady"].flagged
    assert report["loose"].live.adjacent == pytest.approx(0.7)
    assert report["loose"].flagged and report["loose"].reasons == ("live adjacent agreement 0.7 below 0.8",)
    assert report["loose"].benchmark is None


def test_nothing_is_flagged_under_the_minimum_number_of_ratings() -> None:
    # Nine ratings each 1.5 from the final: adjacent agreement 0, kappa low, but too few to judge.
    scores = [final + 1.5 for final in FINALS[:9]]
    newcomer = _ratings("new", scores, FINALS[:9])

    quality = rater_quality("new", newcomer)

    assert quality.live.n == 9 and quality.live.adjacent == 0.0 and not quality.flagged
    assert rater_quality("new", newcomer, QualityThresholds(min_ratings=9)).flagged


def test_a_rater_within_one_step_can_still_be_flagged_by_kappa() -> None:
    # The rater swaps 6.0 and 6.5 throughout: every rating adjacent, none exact, κ = −1.
    finals = [6.0, 6.5] * 5
    mirror = _ratings("mirror", [6.5, 6.0] * 5, finals)

    quality = rater_quality("mirror", mirror)

    assert quality.live.adjacent == 1.0 and quality.live.qwk == -1.0
    assert quality.reasons == ("live QWK -1 below 0.6",)
    strict = QualityThresholds(min_exact=0.5, min_qwk=None)
    assert rater_quality("mirror", mirror, strict).reasons == ("live exact agreement 0 below 0.5",)


def test_an_undefined_kappa_flags_nobody() -> None:
    constant = _ratings("flat", [6.0] * 10, [6.0] * 10)

    quality = rater_quality("flat", constant)

    assert math.isnan(quality.live.qwk) and not quality.flagged


def test_benchmarks_are_reported_apart_and_flag_on_their_own() -> None:
    # Live ratings equal the final scores; on the benchmarks the rater is a full point below the
    # agreed score every time: adjacent 0, severity −1, κ = 2v / (2v + 1) with v = 2.0625, ≈ 0.80.
    live = _ratings("harsh", FINALS, FINALS)
    bench = _ratings("harsh", [final - 1.0 for final in FINALS], FINALS, benchmark=True)
    pending = [Rating("harsh", "p", 6.0, None, START, is_benchmark=False)]

    quality = rater_quality("harsh", live + bench + pending)

    assert (quality.live.n, quality.benchmark.n, quality.n) == (10, 10, 20)
    assert quality.live.exact == 1.0 and quality.live.mean_difference == 0.0
    assert quality.benchmark.mean_difference == pytest.approx(-1.0)
    assert quality.benchmark.qwk == pytest.approx(2 * 2.0625 / (2 * 2.0625 + 1))
    assert quality.reasons == ("benchmark adjacent agreement 0 below 0.8",)
    with_severity = QualityThresholds(min_adjacent=None, max_abs_severity=0.5)
    assert rater_quality("harsh", live + bench, with_severity).reasons == ("benchmark severity -1 beyond ±0.5",)


def test_report_lists_raters_in_order_of_first_rating_and_skips_others_ratings() -> None:
    ratings = _ratings("b", FINALS[:2], FINALS[:2]) + _ratings("a", FINALS[:3], FINALS[:3])
    pending_only = [Rating("c", "x", 6.0, None, START)]

    report = rater_report(ratings + pending_only)

    assert [quality.rater_id for quality in report] == ["b", "a", "c"]
    assert report[2].live is None and report[2].benchmark is None and report[2].n == 0
    assert rater_quality("a", ratings).n == 3


def test_quality_over_time_shows_a_rater_drifting_severe() -> None:
    january = _ratings("drift", FINALS, FINALS, start=datetime(2026, 1, 20, 9, tzinfo=UTC))
    february = _ratings("drift", [final - 1.0 for final in FINALS], FINALS,
                        start=datetime(2026, 2, 3, 9, tzinfo=UTC))
    other = _ratings("other", FINALS[:3], FINALS[:3], start=datetime(2026, 2, 10, tzinfo=UTC))

    over_time = quality_over_time(february + other + january)

    drift = over_time["drift"]
    assert [start for start, _ in drift] == [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)]
    assert [quality.live.mean_difference for _, quality in drift] == [0.0, pytest.approx(-1.0)]
    assert [quality.flagged for _, quality in drift] == [False, True]
    assert [start for start, _ in over_time["other"]] == [datetime(2026, 2, 1, tzinfo=UTC)]


def test_timedelta_windows_count_from_midnight_of_the_earliest_rating() -> None:
    # Earliest rating Wednesday 7 January 15:00, so weekly windows start 7 Jan and 14 Jan at 00:00.
    first = _ratings("r", [6.0], [6.0], start=datetime(2026, 1, 7, 15, tzinfo=UTC))
    later = _ratings("r", [6.0, 7.0], [6.0, 7.0], start=datetime(2026, 1, 13, 23, 59, tzinfo=UTC),
                     every=timedelta(minutes=1))  # 13 Jan 23:59 and 14 Jan 00:00

    windows = quality_over_time(first + later, period=timedelta(days=7))["r"]

    assert [(start.day, quality.n) for start, quality in windows] == [(7, 2), (14, 1)]


def test_period_starts() -> None:
    wednesday = datetime(2026, 1, 14, 13, 30, tzinfo=UTC)

    assert period_start(wednesday, "day") == datetime(2026, 1, 14, tzinfo=UTC)
    assert period_start(wednesday, "week") == datetime(2026, 1, 12, tzinfo=UTC)
    assert period_start(wednesday, "month") == datetime(2026, 1, 1, tzinfo=UTC)
    origin = datetime(2026, 1, 5, tzinfo=UTC)
    assert period_start(wednesday, timedelta(days=7), origin=origin) == datetime(2026, 1, 12, tzinfo=UTC)
    assert period_start(wednesday, timedelta(days=3), origin=origin) == datetime(2026, 1, 14, tzinfo=UTC)
    with pytest.raises(ValueError, match="needs an origin"):
        period_start(wednesday, timedelta(days=7))
