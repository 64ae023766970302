"""The organisation: units, job positions, staff, and the language targets they are measured against."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.accounts import User
from core.db import Base, JsonType, UtcDateTime


class UnitGroup(StrEnum):
    PROVINCIAL_FEDERATION = "provincial_federation"
    CENTRAL_SECTOR_UNION = "central_sector_union"
    VGCL_DIRECT_UNIT = "vgcl_direct_unit"
    VGCL_DEPARTMENT = "vgcl_department"


class StaffCategory(StrEnum):
    CIVIL_SERVANT = "civil_servant"
    PUBLIC_EMPLOYEE = "public_employee"


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    group: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class JobPosition(Base):
    __tablename__ = "job_positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    required_level: Mapped[int] = mapped_column(Integer)
    is_leadership: Mapped[bool] = mapped_column(Boolean, default=False)
    # The day the level is required; a path planned without an explicit deadline takes it as its deadline.
    required_by: Mapped[date | None] = mapped_column(Date)


class StaffMember(Base):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # HR's personnel number: the stable key a re-imported spreadsheet row is matched on.
    staff_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("job_positions.id", ondelete="SET NULL"))
    # The person's login account: their certified levels, path and certificates are found through it. One
    # account is one person (unique); HR links it (import's username column, PATCH /staff/{id}).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # e.g. "division_head" for the civil-servant focus group (managers from division head up); None: no role.
    leadership_role: Mapped[str | None] = mapped_column(String(40))
    languages: Mapped[list[str]] = mapped_column(JsonType, default=list)  # foreign languages used at work
    is_language_teacher: Mapped[bool] = mapped_column(Boolean, default=False)  # out of the targets' scope
    # External-relations work outside the External Relations Department's units (e.g. a provincial federation's
    # external-affairs officer); see learning.external_relations and targets.yaml's external_relations.
    is_external_relations: Mapped[bool] = mapped_column(Boolean, default=False)
    # The employment period, both days inclusive: joined_on None is employed since before the records, left_on
    # None still employed. learning.staff.employed_on is the one condition queries count people by.
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)  # the last day employed

    unit: Mapped[Unit] = relationship()
    position: Mapped[JobPosition | None] = relationship()
    user: Mapped[User | None] = relationship()

    def has_left_before(self, day: date) -> bool:
        """True when the person's last day employed is before ``day``."""
        return self.left_on is not None and self.left_on < day


class Target(Base):
    """One cohort's target share at one deadline, as read from targets.yaml."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("framework", "deadline", "cohort"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[date] = mapped_column(Date)
    cohort: Mapped[str] = mapped_column(String(40))
    required_level: Mapped[int] = mapped_column(Integer)
    share_at_or_above: Mapped[Decimal] = mapped_column(Numeric(5, 4))
