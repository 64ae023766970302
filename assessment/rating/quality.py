"""Rater quality: exact and adjacent agreement, quadratic weighted kappa, severity, and flags.

Pure statistics over paired scores: no ORM, no clock. Scores sit on an ordered set of categories
(a ``ScoreScale``): VSTEP skill scores are 0-10 in steps of 0.5, rubric criteria bands may be
integers 0-10 or 1-5. Every function refuses a score that is not one of the categories, so a
score rounded the wrong way is an error rather than a quiet miscount.

Conventions, fixed here once:

- ``first`` and ``second`` are paired: ``first[i]`` and ``second[i]`` score the same response.
- Agreement is exact when the two scores are equal, adjacent when they differ by at most the
  scale's ``adjacent`` tolerance (one step by default: 0.5 on VSTEP). Exact pairs are adjacent too.
- Severity is the mean of (rater − reference). Positive means the rater scores above the
  reference (lenient), negative below it (severe).
- Quadratic weighted kappa is Cohen's kappa with disagreement weights (i − j)² / (k − 1)² on the
  category positions i, j of k categories. It is undefined, and returned as NaN, exactly when
  both raters gave every response one and the same category: chance then explains all of the
  agreement, and kappa measures agreement beyond chance. (Expected disagreement is zero only in
  that case, and then observed disagreement is zero too, so no other 0/0 arises.) A single pair
  is a case of the formula: two different scores give 0.0, two equal ones the NaN case.
- Empty input, unequal lengths and NaN scores raise ValueError.

A rater's live ratings are compared with the final score of the response; that final score usually
includes the rater's own score, which flatters agreement. Benchmark responses, seeded into the queue
with scores agreed beforehand, give an independent check, so they are reported apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# Scores equal within this are the same score; steps of 0.1 leave float noise around 1e-16.
_EPS = 1e-9

Period = Literal["day", "week", "month"] | timedelta


def _categories(categories: Sequence[float]) -> FloatArray:
    values = np.asarray(categories, dtype=np.float64)
    if values.ndim != 1 or values.size < 2 or np.isnan(values).any() or (np.diff(values) <= _EPS).any():
        raise ValueError("a scale needs at least two categories in strictly increasing order")
    return values


@dataclass(frozen=True)
class ScoreScale:
    """The ordered categories scores take, and the distances the agreement statistics use.

    ``adjacent``: two scores at most this far apart agree adjacently. ``discrepancy``: two scores
    further apart than this count as discrepant (in double marking, a pair that needs a third
    rating). Build one with ``ScoreScale.stepped``.
    """

    categories: tuple[float, ...]
    adjacent: float
    discrepancy: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(float(c) for c in _categories(self.categories)))
        if self.adjacent < 0 or self.discrepancy < 0:
            raise ValueError("adjacent and discrepancy are distances and cannot be negative")

    @classmethod
    def stepped(
        cls, low: float, high: float, step: float, *, adjacent: float | None = None, discrepancy: float | None = None
    ) -> ScoreScale:
        """Categories low, low + step, ..., high; adjacent defaults to one step, discrepancy to two.

        The discrepancy default is this module's choice, not a VSTEP rule: pass the rulebook's.
        """
        if step <= 0:
            raise ValueError("the step between categories must be positive")
        count = round((high - low) / step)
        if count < 1 or abs(low + count * step - high) > _EPS:
            raise ValueError(f"{low}..{high} is not a whole number of steps of {step}")
        categories = tuple(float(low + i * step) for i in range(count + 1))
        return cls(
            categories=categories,
            adjacent=step if adjacent is None else adjacent,
            discrepancy=2 * step if discrepancy is None else discrepancy,
        )


VSTEP_SCALE = ScoreScale.stepped(0.0, 10.0, 0.5)


@dataclass(frozen=True)
class Agreement:
    """How paired scores agree. For a rater against reference scores, ``mean_difference`` is the
    rater's severity (rater − reference) and ``discrepant`` the ratings too far from the reference.

    ``qwk`` is NaN when undefined (both sides one and the same category throughout).
    """

    n: int
    exact: float
    adjacent: float
    qwk: float
    mean_difference: float
    mean_absolute_difference: float
    discrepant: int


@dataclass(frozen=True)
class Rating:
    """One score a rater gave one response, with the reference score to compare it with.

    ``final_score`` is the response's final score, or for a benchmark (``is_benchmark``) its agreed
    score; None while the response has no final score yet, and such ratings are left out.
    """

    rater_id: Hashable
    response_id: Hashable
    score: float
    final_score: float | None
    rated_at: datetime
    is_benchmark: bool = False


@dataclass(frozen=True)
class QualityThresholds:
    """When a rater is flagged to admins. A statistic below its minimum flags the rater (a value
    equal to the minimum does not); None switches a check off. Nothing is flagged on fewer than
    ``min_ratings`` comparisons, since a handful of ratings says little, nor on an undefined QWK.
    Live and benchmark ratings are judged apart, each against the same thresholds and count.
    """

    min_ratings: int = 10
    min_exact: float | None = None
    min_adjacent: float | None = 0.8
    min_qwk: float | None = 0.6
    max_abs_severity: float | None = None


DEFAULT_THRESHOLDS = QualityThresholds()


@dataclass(frozen=True)
class RaterQuality:
    """One rater's agreement: ``live`` against final scores of ordinary responses, ``benchmark``
    against the agreed scores of benchmark responses (None when the rater has none of that kind).

    ``reasons`` says why the rater is flagged, each prefixed "live" or "benchmark".
    """

    rater_id: Hashable
    live: Agreement | None
    benchmark: Agreement | None
    reasons: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def n(self) -> int:
        """Ratings compared, live and benchmark together."""
        return sum(part.n for part in (self.live, self.benchmark) if part is not None)


def _paired(first: ArrayLike, second: ArrayLike) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(first, dtype=np.float64).ravel()
    b = np.asarray(second, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"paired scores need equal lengths, got {a.size} and {b.size}")
    if a.size == 0:
        raise ValueError("no paired scores: agreement of nothing is undefined")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("paired scores contain NaN")
    return a, b


def category_indices(scores: ArrayLike, categories: Sequence[float]) -> IntArray:
    """Position of each score among the ordered categories. Raises ValueError for a score that is
    not one of them, or for categories not strictly increasing."""
    values = _categories(categories)
    x = np.asarray(scores, dtype=np.float64).ravel()
    right = np.clip(np.searchsorted(values, x), 0, values.size - 1)
    left = np.clip(right - 1, 0, values.size - 1)
    nearest = np.where(np.abs(values[left] - x) < np.abs(values[right] - x), left, right)
    off = np.abs(values[nearest] - x) > _EPS
    if off.any():
        raise ValueError(f"score {x[off][0]:g} is not one of the categories {values.tolist()}")
    return nearest.astype(np.intp)


def exact_agreement(first: ArrayLike, second: ArrayLike) -> float:
    """Share of pairs with equal scores."""
    a, b = _paired(first, second)
    return float(np.mean(np.abs(a - b) <= _EPS))


def adjacent_agreement(first: ArrayLike, second: ArrayLike, *, tolerance: float = 0.5) -> float:
    """Share of pairs at most ``tolerance`` apart (exact pairs included)."""
    a, b = _paired(first, second)
    return float(np.mean(np.abs(a - b) <= tolerance + _EPS))


def severity(rater_scores: ArrayLike, final_scores: ArrayLike) -> float:
    """Mean of rater − final: positive for a lenient rater, negative for a severe one."""
    a, b = _paired(rater_scores, final_scores)
    return float(np.mean(a - b))


def quadratic_weighted_kappa(first: ArrayLike, second: ArrayLike, *, categories: Sequence[float]) -> float:
    """κ = 1 − Σ w·O / Σ w·E with w_ij = (i − j)² / (k − 1)², O the observed joint proportions and
    E the product of the two raters' marginal proportions, over the k ordered ``categories``.

    1.0 for perfect agreement (with some spread), 0.0 for agreement at chance level, −1.0 for
    mirror-image disagreement; NaN when both sides used one and the same category throughout.
    Categories nobody used at either end of the scale do not change κ; the weights go by category
    position, which for equally spaced categories is the same as by score.
    """
    a, b = _paired(first, second)
    k = _categories(categories).size
    rows, columns = category_indices(a, categories), category_indices(b, categories)
    observed = np.zeros((k, k))
    np.add.at(observed, (rows, columns), 1.0)
    observed /= a.size
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    positions = np.arange(k, dtype=np.float64)
    weights = np.subtract.outer(positions, positions) ** 2 / (k - 1) ** 2
    expected_disagreement = float((weights * expected).sum())
    if expected_disagreement == 0.0:
        return float("nan")
    return 1.0 - float((weights * observed).sum()) / expected_disagreement


def pair_agreement(first: ArrayLike, second: ArrayLike, *, scale: ScoreScale = VSTEP_SCALE) -> Agreement:
    """All agreement statistics of paired scores: two raters who double-marked the same responses,
    or one rater against final or agreed scores (then ``first`` is the rater)."""
    a, b = _paired(first, second)
    difference = a - b
    return Agreement(
        n=int(a.size),
        exact=exact_agreement(a, b),
        adjacent=adjacent_agreement(a, b, tolerance=scale.adjacent),
        qwk=quadratic_weighted_kappa(a, b, categories=scale.categories),
        mean_difference=float(difference.mean()),
        mean_absolute_difference=float(np.abs(difference).mean()),
        discrepant=int((np.abs(difference) > scale.discrepancy + _EPS).sum()),
    )


def _flags(label: str, agreement: Agreement | None, thresholds: QualityThresholds) -> list[str]:
    if agreement is None or agreement.n < thresholds.min_ratings:
        return []
    reasons = []
    checks = [
        ("exact agreement", agreement.exact, thresholds.min_exact),
        ("adjacent agreement", agreement.adjacent, thresholds.min_adjacent),
        ("QWK", agreement.qwk, thresholds.min_qwk),
    ]
    for name, value, minimum in checks:
        # NaN < minimum is False: an undefined kappa flags nobody.
        if minimum is not None and value < minimum:
            reasons.append(f"{label} {name} {value:.3g} below {minimum:.3g}")
    limit = thresholds.max_abs_severity
    if limit is not None and abs(agreement.mean_difference) > limit:
        reasons.append(f"{label} severity {agreement.mean_difference:+.3g} beyond ±{limit:.3g}")
    return reasons


def rater_quality(
    rater_id: Hashable,
    ratings: Iterable[Rating],
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    *,
    scale: ScoreScale = VSTEP_SCALE,
) -> RaterQuality:
    """Quality of one rater from the ratings given (those of other raters are skipped)."""
    live: list[tuple[float, float]] = []
    bench: list[tuple[float, float]] = []
    for rating in ratings:
        if rating.rater_id == rater_id and rating.final_score is not None:
            (bench if rating.is_benchmark else live).append((rating.score, rating.final_score))
    live_agreement = pair_agreement(*zip(*live, strict=True), scale=scale) if live else None
    bench_agreement = pair_agreement(*zip(*bench, strict=True), scale=scale) if bench else None
    reasons = _flags("live", live_agreement, thresholds) + _flags("benchmark", bench_agreement, thresholds)
    return RaterQuality(rater_id=rater_id, live=live_agreement, benchmark=bench_agreement, reasons=tuple(reasons))


def _by_rater(ratings: Iterable[Rating]) -> dict[Hashable, list[Rating]]:
    groups: dict[Hashable, list[Rating]] = defaultdict(list)
    for rating in ratings:
        groups[rating.rater_id].append(rating)
    return groups


def rater_report(
    ratings: Iterable[Rating],
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    *,
    scale: ScoreScale = VSTEP_SCALE,
) -> list[RaterQuality]:
    """Quality of every rater in ``ratings``, in the order raters first appear. A rater whose ratings
    all lack a final score is listed with neither live nor benchmark statistics."""
    return [
        rater_quality(rater_id, own, thresholds, scale=scale) for rater_id, own in _by_rater(ratings).items()
    ]


def period_start(moment: datetime, period: Period, *, origin: datetime | None = None) -> datetime:
    """Start of the period holding ``moment``: its calendar day, ISO week (from Monday) or month,
    in the moment's own time zone; or for a timedelta, of the window counted from ``origin``."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if isinstance(period, timedelta):
        if period <= timedelta(0):
            raise ValueError("a period must be a positive length of time")
        if origin is None:
            raise ValueError("a timedelta period needs an origin to count windows from")
        return origin + ((moment - origin) // period) * period
    if period == "day":
        return midnight
    if period == "week":
        return midnight - timedelta(days=moment.weekday())
    if period == "month":
        return midnight.replace(day=1)
    raise ValueError(f"unknown period {period!r}")


def quality_over_time(
    ratings: Iterable[Rating],
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    *,
    period: Period = "month",
    origin: datetime | None = None,
    scale: ScoreScale = VSTEP_SCALE,
) -> dict[Hashable, list[tuple[datetime, RaterQuality]]]:
    """Each rater's quality per period, periods in time order (only those with ratings), so that
    drift in severity or agreement shows. Thresholds, the minimum count included, apply per period.

    Timedelta windows are counted from ``origin``, by default midnight of the earliest rating, the
    same for every rater so that their periods line up.
    """
    ratings = list(ratings)
    if isinstance(period, timedelta) and origin is None and ratings:
        origin = min(rating.rated_at for rating in ratings).replace(hour=0, minute=0, second=0, microsecond=0)
    report: dict[Hashable, list[tuple[datetime, RaterQuality]]] = {}
    for rater_id, own in _by_rater(ratings).items():
        periods: dict[datetime, list[Rating]] = defaultdict(list)
        for rating in own:
            periods[period_start(rating.rated_at, period, origin=origin)].append(rating)
        report[rater_id] = [
            (start, rater_quality(rater_id, periods[start], thresholds, scale=scale)) for start in sorted(periods)
        ]
    return report
