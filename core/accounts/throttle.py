"""Login throttling: repeated failures from one address for one account, or from one address at all, pause logins.

A rule's ``failures`` within any stretch of its ``window`` pause logins for its ``pause``.

Counts live in the database, so every worker and every instance sees the same ones. The pause applies
alike to known and unknown usernames (it says nothing about which exist), and it is per address, so
someone failing on purpose from elsewhere cannot lock a person out of their own account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.db import Base, JsonType, UtcDateTime
from core.errors import DomainError


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    scope: str  # "account" (username at an address) or "address"
    failures: int  # this many failures within the window pause logins
    window: timedelta
    pause: timedelta


RULES = (ThrottleRule("account", 5, timedelta(minutes=15), timedelta(minutes=15)),
         ThrottleRule("address", 50, timedelta(minutes=15), timedelta(minutes=15)))


class LoginFailures(Base):
    """Failed logins per account-at-address or per address: the times of the latest ones, as many as a rule counts.

    A rule pauses when its ``failures`` latest fell within one ``window``, wherever that window starts. Counting in
    fixed windows let failures on both sides of a window's end pass: 8 in 9 seconds went unpaused.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # how many ``recent`` holds
    recent: Mapped[list[str]] = mapped_column(JsonType, default=list)  # ISO times, oldest first, within a window
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TooManyLoginAttempts(DomainError):
    status, slug, title = 429, "too-many-requests", "Too many login attempts"
    keeps_changes = True


def _keys(username: str, address: str) -> list[tuple[ThrottleRule, str]]:
    keys = {"account": f"account:{address}:{username.strip().casefold()}", "address": f"address:{address}"}
    return [(rule, keys[rule.scope][:300]) for rule in RULES]


def check_allowed(session: Session, *, username: str, address: str) -> None:
    """Raises TooManyLoginAttempts (with the seconds to wait) while a pause is running."""
    now = clock.now()
    for _rule, key in _keys(username, address):
        row = session.get(LoginFailures, key)
        if row is not None and row.paused_until is not None and row.paused_until > now:
            wait = math.ceil((row.paused_until - now).total_seconds())
            raise TooManyLoginAttempts(f"too many failed logins: try again in {wait} seconds", retry_after=wait)


def record_failure(session: Session, *, username: str, address: str) -> None:
    now = clock.now()
    for rule, key in _keys(username, address):
        row = session.get(LoginFailures, key, with_for_update=True, populate_existing=True)
        if row is None:
            row = LoginFailures(key=key, failures=0, recent=[])
            session.add(row)
        within = [moment for moment in row.recent if now - datetime.fromisoformat(moment) < rule.window]
        row.recent = [*within, now.isoformat()][-rule.failures:]
        row.failures = len(row.recent)
        if row.failures >= rule.failures:
            row.paused_until = now + rule.pause
    session.flush()


def record_success(session: Session, *, username: str, address: str) -> None:
    """A good password clears the account's count at that address (not the address's own)."""
    _rule, key = _keys(username, address)[0]
    row = session.get(LoginFailures, key)
    if row is not None:
        session.delete(row)
        session.flush()
