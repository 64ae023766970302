"""Training: the course catalogue and its offerings, learning paths and their steps, enrolments, surveys."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import Base, JsonType, UtcDateTime


class CourseKind(StrEnum):
    LANGUAGE = "language"
    PROFESSIONAL = "professional"  # professional knowledge (external-relations staff's own plan)
    EXTERNAL_AFFAIRS = "external_affairs"  # external-affairs skills (same plan)


class SurveyAudience(StrEnum):
    ALL = "all"  # any staff member may answer
    EXTERNAL_RELATIONS = "external_relations"  # only external-relations staff (learning.external_relations)


class CourseFormat(StrEnum):
    ONLINE = "online"
    CLASSROOM = "classroom"
    BLENDED = "blended"


class PathStatus(StrEnum):
    OPEN = "open"  # planned; courses to take
    READY_FOR_RETEST = "ready_for_retest"  # every step completed: the person should sit a test again
    CLOSED = "closed"  # a valid certified level meets the position's requirement


class PathVerdict(StrEnum):
    ON_TRACK = "on_track"  # the plan ends by the deadline (or there is no deadline)
    CANNOT_MEET_DEADLINE = "cannot_meet_deadline"
    NO_COURSE = "no_course"  # a level band, or a prerequisite, has no course in the catalogue
    NO_OFFERING = "no_offering"  # a course has no offering with a free seat at a usable date
    NO_GAP = "no_gap"


class StepStatus(StrEnum):
    PLANNED = "planned"
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DROPPED = "dropped"


#: Enrolments that hold a seat in their offering.
SEATED = (StepStatus.ENROLLED, StepStatus.IN_PROGRESS, StepStatus.COMPLETED)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=CourseKind.LANGUAGE)
    # Language courses: the language and the level band they move a learner across (None for other kinds).
    language: Mapped[str | None] = mapped_column(String(8))
    from_level: Mapped[int | None] = mapped_column(Integer)
    to_level: Mapped[int | None] = mapped_column(Integer)
    skill_focus: Mapped[list[str]] = mapped_column(JsonType, default=list)  # empty: all four skills
    hours: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20), default=CourseFormat.CLASSROOM)
    provider: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)  # default seats of a new offering
    prerequisites: Mapped[list[str]] = mapped_column(JsonType, default=list)  # course codes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    offerings: Mapped[list[CourseOffering]] = relationship(back_populates="course", order_by="CourseOffering.starts_on")


class CourseOffering(Base):
    """One cohort of a course: its dates and its seats."""

    __tablename__ = "course_offerings"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("seats > 0", name="seats"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(Integer)
    venue: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # A cancelled cohort stays on record (its enrolments were dropped, paths re-planned) and takes no one.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="offerings")
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="offering", order_by="Enrolment.id")

    @hybrid_method
    def has_started(self, today: date) -> bool:
        """Started, as planning and enrolment see it: its first day is before ``today`` (the day in Vietnam,
        core.clock.day_in_vietnam), so a cohort starting today still takes seats. Also a query condition."""
        return self.starts_on < today


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("offering_id", "staff_member_id"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id", ondelete="RESTRICT"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=StepStatus.ENROLLED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    offering: Mapped[CourseOffering] = relationship(back_populates="enrolments")


class LearningPath(Base):
    """A staff member's path towards their position's required level (one per person)."""

    __tablename__ = "learning_paths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    target_level: Mapped[int] = mapped_column(Integer)
    # The level the plan started from, what it rests on (certification, external, placement; None: no level).
    current_level: Mapped[int] = mapped_column(Integer)
    level_basis: Mapped[str | None] = mapped_column(String(20))
    assessed_level_id: Mapped[int | None] = mapped_column(ForeignKey("assessed_levels.id", ondelete="SET NULL"))
    skill_profile: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=PathStatus.OPEN, index=True)
    verdict: Mapped[str] = mapped_column(String(30), default=PathVerdict.ON_TRACK)
    deadline: Mapped[date | None] = mapped_column(Date)
    # True: the deadline is the position's required_by and follows it; False: given when planning (or none).
    deadline_from_position: Mapped[bool] = mapped_column(Boolean, default=False)
    # Planned as external-relations staff's own plan (their non-language courses included); see paths.
    external_relations: Mapped[bool] = mapped_column(Boolean, default=False)
    earliest_finish: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    steps: Mapped[list[PathStep]] = relationship(back_populates="path", order_by="PathStep.position",
                                                 cascade="all, delete-orphan")


class PathStep(Base):
    __tablename__ = "path_steps"
    __table_args__ = (UniqueConstraint("path_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("course_offerings.id", ondelete="SET NULL"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=StepStatus.PLANNED)
    progress: Mapped[int] = mapped_column(Integer, default=0)

    path: Mapped[LearningPath] = relationship(back_populates="steps")
    course: Mapped[Course] = relationship()


class Survey(Base):
    """A training-needs survey: its questions and the target groups it is sent to."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"id": "q1", "text": ..., "type": "choice"|"multi"|"scale"|"text", "options": [...], "min": 1, "max": 5}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    target_groups: Mapped[list[str]] = mapped_column(JsonType)
    audience: Mapped[str] = mapped_column(String(40), default=SurveyAudience.ALL)
    is_open: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "staff_member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    target_group: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))  # the unit when answering
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
