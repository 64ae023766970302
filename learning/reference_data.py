"""The organisation's units and language targets, shipped with the package as data files."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Target, Unit, UnitGroup


@dataclass(frozen=True, slots=True)
class UnitRow:
    code: str
    name: str
    group: str


def read_units() -> list[UnitRow]:
    text = resources.files("learning.data").joinpath("units.csv").read_text(encoding="utf-8")
    rows = [UnitRow(code=r["no"], name=r["name"], group=r["group"]) for r in csv.DictReader(text.splitlines())]
    unknown = {r.group for r in rows} - set(UnitGroup)
    if unknown:
        raise ValueError(f"units.csv names unknown unit groups: {sorted(unknown)}")
    return rows


def read_targets() -> dict[str, Any]:
    text = resources.files("learning.data").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_units(session: Session) -> int:
    """Insert the units that are not there yet (matched by code); returns how many were added."""
    existing = set(session.scalars(select(Unit.code)))
    added = [Unit(code=r.code, name=r.name, group=r.group) for r in read_units() if r.code not in existing]
    session.add_all(added)
    session.flush()
    return len(added)


def load_targets(session: Session) -> int:
    """Insert the targets of targets.yaml that are not there yet; returns how many were added."""
    data = read_targets()
    existing = {(t.framework, t.deadline, t.cohort) for t in session.scalars(select(Target))}
    added = []
    for deadline in data["deadlines"]:
        when = deadline["date"] if isinstance(deadline["date"], date) else date.fromisoformat(deadline["date"])
        for cohort, rule in deadline["cohorts"].items():
            if (data["framework"], when, cohort) in existing:
                continue
            added.append(Target(framework=data["framework"], deadline=when, cohort=cohort,
                                required_level=int(data["required_level"]),
                                share_at_or_above=Decimal(str(rule["share_at_or_above"]))))
    session.add_all(added)
    session.flush()
    return len(added)
