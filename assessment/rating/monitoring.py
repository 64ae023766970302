"""Rater quality from the stored markings: agreement with final and benchmark scores, flags, drift.

Periods (day, week, month) are the centre's calendar in Vietnam, as every calendar day in LevelPath is:
a marking submitted at 18:00 UTC counts on the next day there.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.rating import quality
from assessment.rating.models import AssignmentStatus, Benchmark, RatedResponse, RatingAssignment
from assessment.rules.numbers import round_half_up_to_half
from core import clock
from core.accounts import Actor, Role
from core.errors import PermissionDenied


def _on_scale(value: Fraction) -> float:
    """Exact scores (means of criteria and of raters; a benchmark's agreed score) onto the 0.5 grid the agreement
    statistics count in, rounded half up from their exact value."""
    return float(round_half_up_to_half(value))


def stored_ratings(session: Session) -> list[quality.Rating]:
    """Every submitted marking with the score it is judged against: the final one, or a benchmark's agreed one."""
    rows = session.execute(
        select(RatingAssignment, RatedResponse.final_score, Benchmark.agreed_score)
        .outerjoin(RatedResponse, RatedResponse.response_id == RatingAssignment.response_id)
        .outerjoin(Benchmark, Benchmark.id == RatingAssignment.benchmark_id)
        .where(RatingAssignment.status == AssignmentStatus.SUBMITTED)
        .order_by(RatingAssignment.submitted_at, RatingAssignment.id))
    ratings = []
    for assignment, final, agreed in rows:
        reference = agreed if assignment.benchmark_id is not None else final
        ratings.append(quality.Rating(
            rater_id=assignment.rater_id, response_id=assignment.response_id or f"b{assignment.benchmark_id}",
            score=_on_scale(assignment.score), final_score=None if reference is None else _on_scale(reference),
            rated_at=assignment.submitted_at.astimezone(clock.VIETNAM),  # periods are the centre's days
            is_benchmark=assignment.benchmark_id is not None))
    return ratings


def quality_report(session: Session, *, actor: Actor, period: str | None = None,
                   thresholds: quality.QualityThresholds = quality.DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """Test administrators: each rater's agreement with final and benchmark scores, flags, and its drift."""
    if not actor.has(Role.TEST_ADMIN):
        raise PermissionDenied("only test administrators see rater quality")
    ratings = stored_ratings(session)
    report: dict[str, Any] = {"raters": quality.rater_report(ratings, thresholds)}
    if period is not None:
        report["over_time"] = quality.quality_over_time(ratings, thresholds, period=period)
    return report
