"""The learning-path planner: pure functions over plain values, no ORM.

Rules, in order:

1. The gap is closed level by level: every language course whose band lies within the gap (``from_level`` at
   or above the current level, ``to_level`` at or below the required one) is on the path. Most take a learner
   one level (L -> L+1); one spanning several levels (2 -> 4) covers each band L -> L+1 inside it. A band
   L -> L+1 of the gap that no such course covers makes the verdict ``no_course``: a course starting below
   the current level or ending above the required one is not taken for it.
2. Within a band (a course spanning several sorts with the first it covers), the course aimed at the weakest
   skill comes first: a course's weakness is the lowest profile value among its skills (a course with no
   skill focus covers all skills: the profile's mean). A skill the profile lacks counts as the profile's mean;
   no profile at all makes every course equal. Ties: course code.
3. Prerequisites come before the courses that need them (a topological order that otherwise keeps rules 1-2).
   A prerequisite not on the path and not completed is added to it; an unknown one makes the verdict
   ``no_course``; a cycle is an error.
4. Steps run one after another: each uses an offering with a free seat that starts on or after the plan's
   start (the first) or after the previous step ends, choosing the one that ends first (then starts first,
   then lowest id): for a fixed order this gives the earliest finish. A course with no such offering makes the
   verdict ``no_offering``. A course the learner already holds a seat in keeps that offering (``held``), and the
   steps after it in the order start after it ends; a course that must be finished before a held one (its
   prerequisite) uses an offering that ends before the held one starts. A prerequisite ending on or after the
   day a course needing it starts (two held seats out of order) is a ``no_offering`` problem too.
5. Completed courses are skipped: they are not scheduled again (``Plan.completed`` names those the path covers,
   so that the path can show them done). If the last step ends after the deadline the verdict is
   ``cannot_meet_deadline`` and ``earliest_finish`` says when the path could end at the soonest.
6. ``extra_courses`` (the professional and external-affairs courses of an external-relations staff member's own
   plan) join the path even without a language gap. They come after every language step (the language level
   is what the deadline is mostly about, so it is not delayed by them), ordered among themselves as in rule 2
   (weakest skill, then code); prerequisites still go first (rule 3), and they are scheduled and judged
   against the deadline like every other step (rules 4-5).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from statistics import fmean

ON_TRACK = "on_track"
CANNOT_MEET_DEADLINE = "cannot_meet_deadline"
NO_COURSE = "no_course"
NO_OFFERING = "no_offering"
NO_GAP = "no_gap"


class PlanningError(ValueError):
    """The catalogue cannot be planned over (a prerequisite cycle)."""


@dataclass(frozen=True, slots=True)
class CourseSpec:
    code: str
    from_level: int | None
    to_level: int | None
    skill_focus: tuple[str, ...] = ()
    hours: int = 0
    prerequisites: tuple[str, ...] = ()
    language: bool = True  # False: professional and external-affairs courses, never chosen for a level band


@dataclass(frozen=True, slots=True)
class OfferingSpec:
    id: int
    course_code: str
    starts_on: date
    ends_on: date
    seats_left: int


@dataclass(frozen=True, slots=True)
class Step:
    course_code: str
    offering_id: int | None
    starts_on: date | None
    ends_on: date | None
    band: tuple[int, int] | None  # None: a prerequisite pulled in from outside the gap's bands


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]
    verdict: str
    earliest_finish: date | None = None
    reason: str = ""
    problems: tuple[str, ...] = field(default=())
    completed: tuple[str, ...] = ()  # the completed courses the path would otherwise hold (rule 5)


def plan_path(*, current_level: int, required_level: int, courses: Iterable[CourseSpec],
              offerings: Iterable[OfferingSpec], start: date, deadline: date | None = None,
              skill_profile: Mapping[str, float] | None = None, completed: Iterable[str] = (),
              held: Mapping[str, OfferingSpec] | None = None, extra_courses: Iterable[str] = ()) -> Plan:
    """An ordered path from ``current_level`` to ``required_level`` (rules in the module docstring).

    ``held`` maps a course code to the offering the learner already has a seat in; ``extra_courses`` are
    non-language courses to take as well (rule 6). Raises PlanningError on a prerequisite cycle.
    """
    catalogue = {course.code: course for course in courses}
    done = set(completed)
    extras = sorted({code for code in extra_courses if code not in done})
    if current_level >= required_level and not extras:
        return Plan((), NO_GAP, reason=f"level {current_level} meets the required level {required_level}")
    problems: list[str] = []
    band_of: dict[str, tuple[int, int] | None] = {}
    covered_done: set[str] = {code for code in extra_courses if code in done}
    in_gap = sorted((c for c in catalogue.values() if c.language and c.from_level is not None
                     and c.to_level is not None and current_level <= c.from_level < c.to_level <= required_level),
                    key=lambda c: c.from_level)
    for level in range(current_level, required_level):
        if not any(c.from_level <= level < c.to_level for c in in_gap):
            problems.append(f"no course takes a learner from level {level} to {level + 1}")
    for course in in_gap:
        if course.code not in done:
            band_of[course.code] = (course.from_level, course.to_level)
        else:
            covered_done.add(course.code)
    for code in extras:
        if code not in catalogue:
            problems.append(f"course {code} is not in the catalogue")
        else:
            band_of.setdefault(code, None)
    problems += _pull_in_prerequisites(catalogue, band_of, done)
    completed_here = tuple(sorted(covered_done | {p for code in band_of if code in catalogue
                                                  for p in catalogue[code].prerequisites if p in done}))
    if problems:
        return Plan((), NO_COURSE, reason="; ".join(problems), problems=tuple(problems), completed=completed_here)

    weakness = _weakness(skill_profile or {})
    last = set(extras)
    order = _topological(catalogue, band_of, done, lambda code: (
        code in last, _band_rank(band_of[code]), weakness(catalogue[code].skill_focus), code))
    needs = {code: tuple(p for p in catalogue[code].prerequisites if p in band_of) for code in order}
    plan = _schedule(order, band_of, offerings, start=start, deadline=deadline, held=held or {}, needs=needs)
    return replace(plan, completed=completed_here)


def _pull_in_prerequisites(catalogue: Mapping[str, CourseSpec], band_of: dict[str, tuple[int, int] | None],
                           done: set[str]) -> list[str]:
    problems = []
    pending = list(band_of)
    while pending:
        code = pending.pop()
        for prerequisite in catalogue[code].prerequisites:
            if prerequisite in done or prerequisite in band_of:
                continue
            if prerequisite not in catalogue:
                problems.append(f"course {code} needs {prerequisite}, which is not in the catalogue")
                continue
            band_of[prerequisite] = None
            pending.append(prerequisite)
    return problems


def _band_rank(band: tuple[int, int] | None) -> int:
    # A pulled-in prerequisite sorts with the lowest band; the topological pass still puts it before its users.
    return band[0] if band else -1


def _weakness(profile: Mapping[str, float]):
    values = {skill: float(value) for skill, value in profile.items() if value is not None}
    mean = fmean(values.values()) if values else 0.0

    def weakness(skills: tuple[str, ...]) -> float:
        if not skills:
            return mean
        return min(values.get(skill, mean) for skill in skills)

    return weakness


def _topological(catalogue: Mapping[str, CourseSpec], band_of: Mapping[str, object], done: set[str],
                 key) -> list[str]:
    """Kahn's algorithm, always taking the preferred course among those whose prerequisites are placed."""
    waiting = {code: {p for p in catalogue[code].prerequisites if p not in done} for code in band_of}
    users: dict[str, list[str]] = {}
    for code, needs in waiting.items():
        for prerequisite in needs:
            users.setdefault(prerequisite, []).append(code)
    ready = [(key(code), code) for code, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    order = []
    while ready:
        _, code = heapq.heappop(ready)
        order.append(code)
        for user in users.get(code, ()):
            waiting[user].discard(code)
            if not waiting[user]:
                heapq.heappush(ready, (key(user), user))
    if len(order) < len(waiting):
        stuck = sorted(code for code in waiting if code not in order)
        raise PlanningError(f"prerequisites form a cycle among {', '.join(stuck)}")
    return order


def _schedule(order: list[str], band_of: Mapping[str, tuple[int, int] | None], offerings: Iterable[OfferingSpec],
              *, start: date, deadline: date | None, held: Mapping[str, OfferingSpec],
              needs: Mapping[str, tuple[str, ...]]) -> Plan:
    """Rule 4. ``needs``: each course's prerequisites that are on the path."""
    by_course: dict[str, list[OfferingSpec]] = {}
    for offering in offerings:
        if offering.seats_left > 0:
            by_course.setdefault(offering.course_code, []).append(offering)
    held_needing: dict[str, list[str]] = {}  # course -> the held courses it must end before
    for code in order:
        if code in held:
            for prerequisite in needs[code]:
                held_needing.setdefault(prerequisite, []).append(code)
    steps: list[Step] = []
    scheduled: dict[str, Step] = {}
    problems: list[str] = []
    previous_end: date | None = None
    for code in order:
        chosen = held.get(code)
        if chosen is None:
            usable = [o for o in by_course.get(code, ())
                      if (o.starts_on > previous_end if previous_end else o.starts_on >= start)]
            dependants = held_needing.get(code, [])
            if dependants:
                ends_before = min(held[user].starts_on for user in dependants)
                usable = [o for o in usable if o.ends_on < ends_before]
            chosen = min(usable, key=lambda o: (o.ends_on, o.starts_on, o.id), default=None)
        if chosen is None:
            after = f"after {previous_end.isoformat()}" if previous_end else f"from {start.isoformat()}"
            problem = f"course {code} has no offering with a free seat starting {after}"
            if held_needing.get(code):
                first = min(held_needing[code], key=lambda user: held[user].starts_on)
                problem += f" and ending before the seat in {first} starts ({held[first].starts_on.isoformat()})"
            problems.append(problem)
            steps.append(Step(code, None, None, None, band_of[code]))
            continue
        scheduled[code] = Step(code, chosen.id, chosen.starts_on, chosen.ends_on, band_of[code])
        steps.append(scheduled[code])
        previous_end = max(previous_end, chosen.ends_on) if previous_end else chosen.ends_on
        for prerequisite in needs[code]:
            before = scheduled.get(prerequisite)
            if before is not None and before.ends_on >= chosen.starts_on:
                problems.append(f"the seat in {code} starts on {chosen.starts_on.isoformat()}, before its "
                                f"prerequisite {prerequisite} ends ({before.ends_on.isoformat()})")
    if problems:
        return Plan(tuple(steps), NO_OFFERING, reason="; ".join(problems), problems=tuple(problems))
    if deadline is not None and previous_end is not None and previous_end > deadline:
        return Plan(tuple(steps), CANNOT_MEET_DEADLINE, earliest_finish=previous_end,
                    reason=f"the deadline {deadline.isoformat()} cannot be met: the earliest finish with the "
                           f"offerings available is {previous_end.isoformat()}")
    return Plan(tuple(steps), ON_TRACK, earliest_finish=previous_end,
                reason=f"{len(steps)} courses, finishing on {previous_end.isoformat()}" if previous_end else "")
