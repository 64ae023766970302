"""Proficiency frameworks as data: ordered levels with their Vietnamese and English labels, CEFR and tier.

TT 01/2014 has six levels (Bậc 1-6 = A1-C2); TT 33/2026 adds Pre-A1. Both are described in
``data/frameworks.yaml``; nothing here knows how many levels a framework has.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from assessment.rules.errors import UnknownRule
from assessment.rules.types import Provenance


@dataclass(frozen=True)
class Tier:
    """A group of levels (cấp): sơ cấp / trung cấp / cao cấp."""

    code: str
    label_vi: str
    label_en: str


@functools.total_ordering
@dataclass(frozen=True, eq=True)
class Level:
    """One level of one framework; levels of the same framework compare by their order."""

    framework_id: str
    code: str
    rank: int
    number: int | None
    cefr: str
    tier: Tier | None
    label_vi: str
    label_en: str
    note: str | None = None

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        if other.framework_id != self.framework_id:
            raise TypeError(f"cannot order a level of {self.framework_id} against one of {other.framework_id}; "
                            "translate it with Framework.counterpart first")
        return self.rank < other.rank


@dataclass(frozen=True)
class Framework:
    """A framework version: its levels from lowest to highest and the regulation that set it."""

    id: str
    name_vi: str
    name_en: str
    provenance: Provenance
    levels: tuple[Level, ...]

    def level(self, key: int | str) -> Level:
        """A level by its number (3), code ("3", "pre-a1") or CEFR ("B1"); raises UnknownRule."""
        wanted = key.strip().casefold() if isinstance(key, str) else key
        for level in self.levels:
            if wanted in (level.number, level.code.casefold(), level.cefr.casefold()):
                return level
        raise UnknownRule(f"framework {self.id} has no level {key!r}; it has "
                          f"{', '.join(level.code for level in self.levels)}", field="level")

    def counterpart(self, level: Level) -> Level:
        """The level of this framework with the same CEFR level, e.g. to read a vn6 level in vn7."""
        return self.level(level.cefr)

    def compare(self, a: Level, b: Level) -> int:
        """-1, 0 or 1 as ``a`` is below, at or above ``b``; levels of other frameworks go by CEFR."""
        a, b = self._own(a), self._own(b)
        return (a.rank > b.rank) - (a.rank < b.rank)

    def meets(self, level: Level, minimum: Level) -> bool:
        """Whether ``level`` is at least ``minimum`` (e.g. a certified level against a job's target)."""
        return self.compare(level, minimum) >= 0

    def _own(self, level: Level) -> Level:
        return level if level.framework_id == self.id else self.counterpart(level)
