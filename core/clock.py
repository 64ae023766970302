"""The time source. Services ask it, never datetime.now(), so tests can move time forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _source()


def set_source(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Replace the time source; returns the previous one so callers can restore it."""
    global _source
    previous, _source = _source, source
    return previous
