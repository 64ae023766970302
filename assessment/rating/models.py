"""Rubrics, raters' assignments, the final score of each rated response, and benchmark scripts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from assessment.models import Response
from core import clock
from core.db import Base, JsonType, UtcDateTime


def score_text(value: Fraction) -> str:
    """A score written exactly: as a decimal where it has one ("5.7", "6"), else as a fraction ("17/3")."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    with localcontext() as context:
        context.prec = 60  # plenty for any terminating mean of 0-10 scores
        return format((Decimal(value.numerator) / value.denominator).normalize(), "f")


SCORE_TEXT_LENGTH = 40  # room for any mean of rubric scores; a typed score with more digits is refused


class ExactScore(TypeDecorator[Fraction]):
    """A score kept exact on every database, as ``score_text`` writes it.

    A rater's score is the mean of the rubric's criteria (a third with three criteria), and a final score
    the mean of two of those: as binary floats 5.7 became 5.699999999999999 and the speaking mean of
    5.25 rounded down to 5.0. Neither SQLite nor a NUMERIC column holds a third exactly; text does.
    """

    impl = String(SCORE_TEXT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Fraction | int | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool | float):
            raise TypeError(f"a score is stored from a Fraction or an int, not {type(value).__name__}")
        return score_text(Fraction(value))

    def process_result_value(self, value: str | None, dialect: Any) -> Fraction | None:
        return None if value is None else Fraction(value)


class Rubric(Base):
    """One version of a rubric: criteria with band descriptors. Versions never change once made."""

    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    skill: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # [{"key": "grammar", "label": "Grammar", "bands": [{"min": 9, "descriptor": "..."}, ...]}, ...]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"  # overdue and handed to another rater, or made moot by an override


class MarkingStatus(StrEnum):
    """Where the marking of one answer stands."""

    DOUBLE_MARKING = "double_marking"
    ADJUDICATION = "adjudication"  # the pair disagreed: a senior rater marks it too
    FINAL = "final"
    OVERRIDDEN = "overridden"  # a test administrator set its section's score: marking ends without a final score


OPEN_MARKING = (MarkingStatus.DOUBLE_MARKING, MarkingStatus.ADJUDICATION)


class Benchmark(Base):
    """A script with scores agreed by senior raters, slipped into queues to check raters against."""

    __tablename__ = "rating_benchmarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"))
    answer: Mapped[dict[str, Any]] = mapped_column(JsonType)
    agreed_score: Mapped[Fraction] = mapped_column(ExactScore)  # exact, as raters' scores (ExactScore)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class RatingAssignment(Base):
    """One rater's blind marking of one response (or of a benchmark script), in round 1, 2 or 3."""

    __tablename__ = "rating_assignments"
    __table_args__ = (
        UniqueConstraint("response_id", "rater_id"),  # a response is never marked twice by one rater
        UniqueConstraint("benchmark_id", "rater_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    benchmark_id: Mapped[int | None] = mapped_column(ForeignKey("rating_benchmarks.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1 and 2: the blind pair; 3: the senior rater
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.ASSIGNED, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    criteria: Mapped[dict[str, float] | None] = mapped_column(JsonType)
    score: Mapped[Fraction | None] = mapped_column(ExactScore)  # the mean of the criteria
    comment: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[Response | None] = relationship()
    rubric: Mapped[Rubric] = relationship()
    benchmark: Mapped[Benchmark | None] = relationship()


class RatedResponse(Base):
    """Where the marking of one response stands, and its final score once the rule gives one."""

    __tablename__ = "rated_responses"

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=MarkingStatus.DOUBLE_MARKING)
    final_score: Mapped[Fraction | None] = mapped_column(ExactScore)
    rule: Mapped[str | None] = mapped_column(String(40))  # which part of the rule gave the final score
    finalised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
