from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Integer, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.accounts.types import Actor
from core.db import Base, JsonType, UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JsonType)
    # The unit the account belongs to; for HR it is also the reporting scope (None: whole organisation).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # A browser session holds the generation it began in and ends when this moves on (logout, a new password):
    # the session cookie is signed, not stored, so without it a copy of the cookie outlived the logout.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last day the account may be used (inclusive, the centre's day: clock.day_in_vietnam); None: no end. For
    # an account linked to a staff record, learning keeps it at the record's last day employed (left_on).
    access_ends_on: Mapped[date | None] = mapped_column(Date)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def as_actor(self) -> Actor:
        return Actor.of_account(self.id, self.roles, self.unit_id)


def account_usable_on(day: date | ColumnElement[date], account=User) -> ColumnElement[bool]:
    """SQL: ``account`` (the User entity, or the users table's columns) may be used on ``day`` (a date, or a bind
    parameter for a statement built once): it is open and its access has not ended before that day. The one rule
    every way in asks: password login, browser sessions, API tokens."""
    return and_(account.is_active.is_(True), or_(account.access_ends_on.is_(None), account.access_ends_on >= day))


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")
