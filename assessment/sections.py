"""Sectioned exams in the VSTEP.3-5 format: one timed section per skill, taken in order.

The server's clock runs the timeline. A section ends when the candidate finishes it or when its
time is up; the next one starts at that moment, so a candidate who drops out loses the time of
the sections that ran meanwhile, as in an exam room, and never gains any. An exam sat in a session
ends when the session closes: no section runs past the close, and a section that would start as it
closes is not reached. Answers are taken for
the current section only (review and changes within it are allowed). Listening and reading are
scored on submission through the form's own conversion table (raw score -> 0-10); writing and
speaking wait for raters, and until they are in the result is provisional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessment.rules.numbers import round_half_up_to_half
from core.errors import RuleViolation

SECTIONED = "sectioned"
VSTEP = "vstep"
SKILL_SCALE_MAX = Decimal(10)


@dataclass(frozen=True, slots=True)
class SectionFormat:
    """What the VSTEP.3-5 format fixes for a section (Decision 729/QĐ-BGDĐT, 2015)."""

    skill: str
    item_count: int
    rater_scored: bool
    default_seconds: int
    passages: int | None = None  # reading: items come as this many passages of shared text


VSTEP_FORMAT = (
    SectionFormat("listening", 35, rater_scored=False, default_seconds=40 * 60),
    SectionFormat("reading", 40, rater_scored=False, default_seconds=60 * 60, passages=4),
    SectionFormat("writing", 2, rater_scored=True, default_seconds=60 * 60),
    SectionFormat("speaking", 3, rater_scored=True, default_seconds=12 * 60),
)
FORMAT_BY_SKILL = {section.skill: section for section in VSTEP_FORMAT}


@dataclass(frozen=True, slots=True)
class ConversionStep:
    """From ``min_raw`` raw points upwards the section scores ``score`` on 0-10."""

    min_raw: float
    score: Decimal


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a form: its skill, its time, its items (a run of positions) and its table."""

    skill: str
    title: str
    time_limit_seconds: int
    first_position: int
    item_count: int
    conversion: tuple[ConversionStep, ...] = ()  # objective sections; empty: proportional to the raw score

    @property
    def positions(self) -> range:
        return range(self.first_position, self.first_position + self.item_count)

    @property
    def rater_scored(self) -> bool:
        return FORMAT_BY_SKILL[self.skill].rater_scored

    def to_config(self) -> dict[str, Any]:
        return {"skill": self.skill, "title": self.title, "time_limit_seconds": self.time_limit_seconds,
                "first_position": self.first_position, "item_count": self.item_count,
                "conversion": [{"min_raw": step.min_raw, "score": str(step.score)} for step in self.conversion]}

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> Section:
        return cls(data["skill"], data["title"], data["time_limit_seconds"], data["first_position"],
                   data["item_count"], tuple(ConversionStep(step["min_raw"], Decimal(step["score"]))
                                             for step in data.get("conversion", ())))

    def scaled(self, raw: float, maximum: float) -> Decimal:
        """The 0-10 section score of a raw score: the form's table, or proportional, rounded to 0.5."""
        if self.conversion:
            reached = [step.score for step in self.conversion if raw >= step.min_raw - 1e-9]
            return reached[-1] if reached else Decimal(0)
        if maximum <= 0:
            return Decimal(0)
        return round_half_up_to_half(Fraction(raw).limit_denominator(10**6) * 10
                                     / Fraction(maximum).limit_denominator(10**6))


def sections_of(config: Mapping[str, Any]) -> list[Section]:
    return [Section.from_config(data) for data in config.get("sections", ())]


def check_conversion(steps: Sequence[Mapping[str, Any]], *, max_raw: float, field: str) -> tuple[ConversionStep, ...]:
    """A conversion table read and checked: it starts at 0 raw points and both columns rise.

    Raises RuleViolation naming the step at fault.
    """
    table: list[ConversionStep] = []
    for index, step in enumerate(steps):
        score = Decimal(str(step["score"]))
        min_raw = float(step["min_raw"])
        where = f"{field}.{index}"
        if not Decimal(0) <= score <= SKILL_SCALE_MAX or (score * 2) % 1 != 0:
            raise RuleViolation("a section score is a multiple of 0.5 from 0 to 10", field=f"{where}.score")
        if not 0 <= min_raw <= max_raw:
            raise RuleViolation(f"raw points run from 0 to the section's {max_raw:g}", field=f"{where}.min_raw")
        if table and (min_raw <= table[-1].min_raw or score <= table[-1].score):
            raise RuleViolation("raw points and scores must both increase down the table", field=where)
        table.append(ConversionStep(min_raw, score))
    if table and table[0].min_raw != 0:
        raise RuleViolation("the table starts at 0 raw points", field=f"{field}.0.min_raw")
    return tuple(table)


# The timeline ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionState:
    """Where a section of an attempt stands, from the stored record of the attempt."""

    index: int
    section: Section
    status: str  # upcoming, current, finished (by the candidate), time_up, not_reached
    started_at: datetime | None
    ended_at: datetime | None
    deadline: datetime | None


def start_record(section: Section, started: datetime, closes_at: datetime | None = None) -> dict[str, Any]:
    """A section starting at ``started``, with its deadline recorded: its time limit later, or
    ``closes_at`` (the close of the session the exam is sat in) if that comes first. This is the one
    place a section's end is set, and a sectioned attempt's deadline is its running section's, so
    neither runs past the session."""
    deadline = started + timedelta(seconds=section.time_limit_seconds)
    if closes_at is not None:
        deadline = min(deadline, closes_at)
    return {"started_at": started.isoformat(), "deadline": deadline.isoformat(), "ended_at": None,
            "closed_reason": None}


def deadline_of(section: Section, record: Mapping[str, Any]) -> datetime:
    if record.get("deadline") is None:  # recorded before sections kept their deadline: never capped
        return datetime.fromisoformat(record["started_at"]) + timedelta(seconds=section.time_limit_seconds)
    return datetime.fromisoformat(record["deadline"])


def states(sections: Sequence[Section], records: Sequence[Mapping[str, Any]]) -> list[SectionState]:
    result = []
    for index, section in enumerate(sections):
        record = records[index] if index < len(records) else None
        if record is None:
            result.append(SectionState(index, section, "upcoming", None, None, None))
            continue
        if record["started_at"] is None:  # the exam was handed in before this section came
            result.append(SectionState(index, section, "not_reached", None, None, None))
            continue
        ended = datetime.fromisoformat(record["ended_at"]) if record["ended_at"] else None
        status = "current" if ended is None else ("time_up" if record["closed_reason"] == "time_up" else "finished")
        result.append(SectionState(index, section, status, datetime.fromisoformat(record["started_at"]), ended,
                                   deadline_of(section, record)))
    return result


def end_section(sections: Sequence[Section], records: list[dict[str, Any]], at: datetime, reason: str,
                closes_at: datetime | None = None) -> datetime | None:
    """Close the current section at ``at`` and open the next one then; returns its deadline.

    None: the exam is over, because no section is left or because the session closes at ``at``
    (a section that would start as the session closes is not reached, not started and timed out).
    """
    current = records[-1]
    current["ended_at"], current["closed_reason"] = at.isoformat(), reason
    if len(records) == len(sections) or (closes_at is not None and at >= closes_at):
        return None
    records.append(start_record(sections[len(records)], at, closes_at))
    return deadline_of(sections[len(records) - 1], records[-1])


def catch_up(sections: Sequence[Section], records: list[dict[str, Any]], now: datetime,
             closes_at: datetime | None = None) -> tuple[bool, datetime | None]:
    """Close every section whose time ran out by ``now``, each at its own deadline.

    Returns whether anything changed and the deadline of the section now running (None when
    the exam is over: the last section's time is up, or the session closed, ``closes_at``).
    """
    changed = False
    deadline = deadline_of(sections[len(records) - 1], records[-1])
    if closes_at is not None:  # a section recorded before sections kept their capped deadline
        deadline = min(deadline, closes_at)
    while deadline is not None and now >= deadline:
        deadline = end_section(sections, records, deadline, "time_up", closes_at)
        changed = True
    return changed, deadline


def section_at(sections: Sequence[Section], position: int) -> int | None:
    return next((index for index, section in enumerate(sections) if position in section.positions), None)
