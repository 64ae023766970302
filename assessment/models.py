"""Tests, attempts, responses, and the levels they award."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, JsonType, UtcDateTime
from core.errors import Conflict
from question_bank.models import ItemVersion


class TestPurpose(StrEnum):
    PLACEMENT = "placement"
    CERTIFICATION = "certification"
    PRACTICE = "practice"


class LevelBasis(StrEnum):
    """What an assessed level rests on: one of our tests, or a certificate issued elsewhere and verified by HR."""

    CERTIFICATION = "certification"
    PLACEMENT = "placement"
    EXTERNAL = "external"


# Levels that count as certified (HR reports, targets): our certification tests and verified outside certificates.
CERTIFIED_BASES = (LevelBasis.CERTIFICATION, LevelBasis.EXTERNAL)


class TestStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    AWAITING_RATING = "awaiting_rating"  # handed in; writing or speaking still to be marked: provisional
    SCORED = "scored"


class Test(Base):
    __tablename__ = "tests"
    __test__ = False  # not a pytest class, despite the name

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="fixed")
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=TestStatus.DRAFT, index=True)
    # Raw-score cut-offs: [{"level": 1, "min_score": 3}, ...], ascending in both (fixed tests).
    cut_scores: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    # Adaptive tests: cuts on the ability scale, length and stopping rules, selector, blueprint.
    config: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # The server's clock decides: an attempt ends this long after it starts (None: untimed).
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    entries: Mapped[list[TestItem]] = relationship(
        back_populates="test", order_by="TestItem.position", cascade="all, delete-orphan"
    )

    def publish(self) -> None:
        if self.status != TestStatus.DRAFT:
            raise Conflict(f"only a draft test can be published; this one is {self.status}")
        self.status = TestStatus.PUBLISHED

    def archive(self) -> None:
        """Withdraw the test from delivery: no attempt starts any more; attempts under way run to their end."""
        if self.status == TestStatus.ARCHIVED:
            raise Conflict("this test is already archived")
        self.status = TestStatus.ARCHIVED


class TestItem(Base):
    __tablename__ = "test_items"
    __test__ = False
    __table_args__ = (UniqueConstraint("test_id", "item_version_id"),)

    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"))
    # An adaptive test's item parameters as they were when its pool was frozen (NULL in other tests): a later
    # calibration changes no test already made, and every process builds the same engine from them.
    irt_a: Mapped[float | None] = mapped_column(Float)
    irt_b: Mapped[float | None] = mapped_column(Float)
    irt_c: Mapped[float | None] = mapped_column(Float)

    test: Mapped[Test] = relationship(back_populates="entries")
    item_version: Mapped[ItemVersion] = relationship()


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        # One attempt in progress per candidate and test, enforced by the database itself.
        Index("uq_attempts_one_active", "test_id", "candidate_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="RESTRICT"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # How it ended: submitted by the candidate, finished by the adaptive engine, or closed when time ran out.
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    raw_score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int | None] = mapped_column(Integer)
    # Adaptive attempts: the ability estimate, its SE, and the placement (level probabilities, skills).
    theta: Mapped[float | None] = mapped_column(Float)
    se: Mapped[float | None] = mapped_column(Float)
    placement: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # The session it was sat in, for tests delivered in sessions (assessment.scheduling).
    test_session_id: Mapped[int | None] = mapped_column(ForeignKey("test_sessions.id", ondelete="RESTRICT"),
                                                        index=True)
    # Sectioned exams: one record per section reached (start, end, why it ended, raw and 0-10 scores)
    # and the overall score; ``deadline`` is then the end of the section running.
    sections: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonType)
    overall_score: Mapped[float | None] = mapped_column(Float)
    # The secret from which this attempt's order and labels of options are drawn (assessment.presentation);
    # None for attempts started before there was one: they show options as stored.
    presentation_key: Mapped[str | None] = mapped_column(String(32))

    test: Mapped[Test] = relationship()
    administered: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", cascade="all, delete-orphan")
    responses: Mapped[list[Response]] = relationship(back_populates="attempt", cascade="all, delete-orphan")

    def ensure_open(self) -> None:
        if self.status != AttemptStatus.IN_PROGRESS:
            raise Conflict("this attempt has ended; it takes no more answers", attempt_status=self.status,
                           closed_reason=self.closed_reason)

    def time_is_up(self, now: datetime) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS and self.deadline is not None and now >= self.deadline


class AttemptItem(Base):
    """An item an adaptive test gave, in order: chosen by the server, stored before it is shown."""

    __tablename__ = "attempt_items"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"))
    # Items Sympson-Hetter set aside before choosing this one (they stay out for the whole attempt).
    set_aside: Mapped[list[str]] = mapped_column(JsonType, default=list)
    administered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    item_version: Mapped[ItemVersion] = relationship()


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "item_version_id"),
                      UniqueConstraint("attempt_id", "idempotency_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"))
    answer: Mapped[dict[str, Any]] = mapped_column(JsonType)
    points: Mapped[float | None] = mapped_column(Float)
    # The client's key of the request that last saved this answer (fixed and sectioned tests also keep
    # every earlier key, in AnswerRequest): a retried request with the same key is recorded once.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")


class AnswerRequest(Base):
    """An answer to a fixed or sectioned test acknowledged under an Idempotency-Key.

    A late retry of it replays (changes nothing) instead of overwriting a newer answer to the same
    position. Adaptive answers never change, so their Response row keeps their key instead.
    """

    __tablename__ = "answer_requests"
    __table_args__ = (UniqueConstraint("attempt_id", "idempotency_key"),
                      Index("ix_answer_requests_attempt_position", "attempt_id", "position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    answer_sha256: Mapped[str] = mapped_column(String(64))  # of the answer's canonical JSON
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class RecordingPlay(Base):
    """One play of a recording shown in an attempt (a listening passage's audio), counted against its
    stimulus's ``max_plays``. The candidate streams it through a short-lived token, of which only the
    hash is kept (assessment.plays)."""

    __tablename__ = "recording_plays"
    __table_args__ = (
        # Counted under the attempt's row lock; the constraint is the database's own guard that a play's
        # number is taken once, so no limit can be passed by two requests at once.
        UniqueConstraint("attempt_id", "stimulus_id", "number"),
        UniqueConstraint("attempt_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    stimulus_id: Mapped[int] = mapped_column(ForeignKey("stimuli.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first play of this recording in this attempt
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the play URL's token
    # Sectioned exams: the index of the section running when the play started; it ends with that section.
    section: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The client's Idempotency-Key: a retried request (its answer lost on the way) gets this play again, with
    # a fresh token, instead of using up another of the few plays allowed.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))


class AssessedLevel(Base):
    """A level a person holds on the 6-level framework, and what it rests on."""

    __tablename__ = "assessed_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(20))  # a LevelBasis: certification, placement or external
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), unique=True)
    # basis "external": the verified certificate it comes from (assessment.external_certificates).
    external_certificate_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("external_certificates.id", ondelete="RESTRICT",
                            name="fk_assessed_levels_external_certificate"),  # the convention's name is > 63
        unique=True)
    awarded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # The last day the level counts (its certificate's validity); None: no end.
    valid_until: Mapped[date | None] = mapped_column(Date)

    attempt: Mapped[Attempt | None] = relationship()
