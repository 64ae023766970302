"""Rubrics as data: the shipped ones from data/rubrics.yaml, new versions made by test administrators.

A rubric is found by the code an item's scoring names (``scoring.rubric``); an item naming a
rubric LevelPath does not have is marked with its skill's default, and the assignment records
which version was used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.rating.models import Rubric
from core import audit
from core.accounts import Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation

RUBRIC_FILE = Path(__file__).parent / "data" / "rubrics.yaml"
# VSTEP writing: task 1 (a letter, 1/3 of the section's score) and task 2 (an essay, 2/3), in this order.
WRITING_TASK_RUBRICS = ("vstep-writing-task1", "vstep-writing-task2")
DEFAULT_FOR_SKILL = {"writing": WRITING_TASK_RUBRICS[1], "speaking": "vstep-speaking"}
SCORE_MAX = 10.0


def shipped_rubrics() -> list[dict[str, Any]]:
    return yaml.safe_load(RUBRIC_FILE.read_text(encoding="utf-8"))["rubrics"]


def check_criteria(criteria: Sequence[dict[str, Any]], field: str = "criteria") -> list[dict[str, Any]]:
    """Criteria with unique keys, each with bands whose lower bounds fall from the top to 0."""
    if not criteria:
        raise RuleViolation("a rubric needs at least one criterion", field=field)
    keys = [criterion.get("key") for criterion in criteria]
    if len(set(keys)) != len(keys):
        raise RuleViolation("criterion keys must be unique", field=field)
    for index, criterion in enumerate(criteria):
        bands = criterion.get("bands") or []
        lows = [band.get("min") for band in bands]
        if not bands or any(not isinstance(low, int | float) for low in lows) or lows[-1] != 0 \
                or any(a <= b for a, b in itertools.pairwise(lows)) or lows[0] > SCORE_MAX:
            raise RuleViolation("bands go from the highest lower bound down to 0, each with a descriptor",
                                field=f"{field}.{index}.bands")
    return [dict(criterion) for criterion in criteria]


def ensure_shipped_rubrics(session: Session) -> None:
    """Store the shipped rubrics that are not in the database yet (as version 1)."""
    present = set(session.scalars(select(Rubric.code)))
    for data in shipped_rubrics():
        if data["code"] not in present:
            session.add(Rubric(code=data["code"], version=1, skill=data["skill"], title=data["title"],
                               criteria=check_criteria(data["criteria"])))
    session.flush()


def latest(session: Session, code: str) -> Rubric | None:
    return session.scalar(select(Rubric).where(Rubric.code == code).order_by(Rubric.version.desc()).limit(1))


def for_item(session: Session, rubric_code: str | None, skill: str) -> Rubric:
    """The rubric to mark a response with: the item's own, else its skill's default."""
    ensure_shipped_rubrics(session)
    rubric = latest(session, rubric_code) if rubric_code else None
    if rubric is None:
        rubric = latest(session, DEFAULT_FOR_SKILL.get(skill, "vstep-writing-task2"))
    assert rubric is not None  # the shipped defaults are always there
    return rubric


def list_rubrics(session: Session) -> list[Rubric]:
    """The latest version of every rubric."""
    ensure_shipped_rubrics(session)
    newest = select(Rubric.code, func.max(Rubric.version).label("version")).group_by(Rubric.code).subquery()
    return list(session.scalars(select(Rubric).join(newest, (Rubric.code == newest.c.code)
                                                   & (Rubric.version == newest.c.version)).order_by(Rubric.code)))


def versions(session: Session, code: str) -> list[Rubric]:
    ensure_shipped_rubrics(session)
    found = list(session.scalars(select(Rubric).where(Rubric.code == code).order_by(Rubric.version)))
    if not found:
        raise NotFound(f"no rubric {code!r}", field="code")
    return found


def new_version(session: Session, *, actor: Actor, code: str, skill: str, title: str,
                criteria: Sequence[dict[str, Any]]) -> Rubric:
    """A new rubric, or the next version of one; earlier ratings keep the version they used."""
    if not actor.has(Role.TEST_ADMIN):
        raise PermissionDenied("only test administrators change rubrics")
    if skill not in DEFAULT_FOR_SKILL:
        raise RuleViolation("rubrics are for writing or speaking", field="skill")
    ensure_shipped_rubrics(session)
    current = latest(session, code)
    if current is not None and current.skill != skill:
        raise RuleViolation(f"rubric {code!r} is for {current.skill}", field="skill")
    rubric = Rubric(code=code, version=(current.version + 1) if current else 1, skill=skill, title=title,
                    criteria=check_criteria(criteria), created_by=actor.id)
    session.add(rubric)
    session.flush()
    audit.record(session, actor=actor, action="rubric.versioned", entity_type="rubric", entity_id=rubric.id,
                 code=code, version=rubric.version)
    return rubric
