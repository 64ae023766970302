"""Sessions of a test, the candidates registered in them, and a test's admission rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, UtcDateTime


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"
    ATTENDED = "attended"  # the candidate started their attempt in the session


#: Registrations that hold a seat.
SEATED = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)


class RetakeScope(StrEnum):
    TEST = "test"  # the wait counts from the candidate's last attempt at this test
    PURPOSE = "purpose"  # ... at any test of the same purpose (e.g. any certification test)


class TestSession(Base):
    """A sitting of a published test: a window on the server's clock, a place, a number of seats."""

    __tablename__ = "test_sessions"
    __test__ = False
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("capacity > 0", name="capacity"),
        Index("ix_test_sessions_test_id_opens_at", "test_id", "opens_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Candidates registering themselves must do so before this (None: until the session opens).
    registration_closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # Set once, never cleared: a cancelled session takes no registrations and admits no one.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    registrations: Mapped[list[Registration]] = relationship(back_populates="test_session",
                                                             order_by="Registration.id")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def is_open_at(self, moment: datetime) -> bool:
        return not self.cancelled and self.opens_at <= moment < self.closes_at

    def has_closed_by(self, moment: datetime) -> bool:
        """Once closed, a session is a record of what happened: nobody registers, nothing about it changes."""
        return moment >= self.closes_at


class Registration(Base):
    """A candidate's seat in a session. One row per candidate and session; cancelling keeps the row."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id", ondelete="RESTRICT"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.REGISTERED)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    test_session: Mapped[TestSession] = relationship(back_populates="registrations")


class AdmissionRules(Base):
    """Who may sit a test and when: its eligibility rules, one row per test (no row: no rules)."""

    __tablename__ = "test_admission_rules"

    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), primary_key=True)
    # Attempts need a registration in an open session even before any session is scheduled.
    # (A test with sessions always needs one; this makes it explicit.)
    requires_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    # Candidates may register themselves in the test's sessions (otherwise only test administrators can).
    self_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days a candidate waits after their last finished attempt before the next one (None: no wait).
    retake_wait_days: Mapped[int | None] = mapped_column(Integer)
    retake_scope: Mapped[str] = mapped_column(String(20), default=RetakeScope.TEST)
    # Attempts a candidate may make at this test, ever (None: no limit).
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
