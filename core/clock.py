"""The time source. Services ask it, never datetime.now(), so tests can move time forward.

Instants are kept in UTC; a calendar day (an exam date, a certificate's issue day, the day rules are in
force) is the centre's day in Vietnam, derived here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving


def now() -> datetime:
    return _source()


def set_source(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Replace the time source; returns the previous one so callers can restore it."""
    global _source
    previous, _source = _source, source
    return previous


def day_in_vietnam(moment: datetime | None = None) -> date:
    """The centre's calendar day at ``moment`` (default: now): from 17:00 UTC it is the next day there."""
    return (moment or now()).astimezone(VIETNAM).date()
