"""Loading the starter bank shipped in question_bank/starter_bank (QTI 3 + catalogue.csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Actor
from question_bank import review, services
from question_bank.importing import ReportEntry, import_results
from question_bank.interchange.model import EntryStatus
from question_bank.interchange.safety import safe_member_name
from question_bank.interchange.sources import read_files
from question_bank.media import MediaStore
from question_bank.models import Item, ItemEnemy, ItemStatus
from question_bank.statistics import IrtParameters, set_irt_parameters


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    identifier: str
    type: str
    skill: str
    level: int
    topic: str
    expected_seconds: int | None
    parameters: IrtParameters | None
    enemies: tuple[str, ...]


def starter_bank_files() -> dict[str, bytes]:
    root = Path(str(resources.files("question_bank") / "starter_bank"))
    return {safe_member_name(path.relative_to(root).as_posix()): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def read_catalogue(data: bytes) -> dict[str, CatalogueRow]:
    rows = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        parameters = None
        if row["a"] and row["b"]:
            c = float(row["c"] or 0)
            parameters = IrtParameters(model="3pl" if c else "2pl", a=float(row["a"]), b=float(row["b"]), c=c)
        rows[row["identifier"]] = CatalogueRow(
            identifier=row["identifier"], type=row["type"], skill=row["skill"], level=int(row["level"]),
            topic=row["topic"], expected_seconds=int(row["expected_seconds"]) if row["expected_seconds"] else None,
            parameters=parameters, enemies=tuple(e for e in row["enemies"].split(";") if e))
    return rows


def load_starter_bank(session: Session, *, author: Actor, reviewer: Actor, store: MediaStore) -> list[ReportEntry]:
    """Import the starter bank, classify it from the catalogue, approve it, record provisional parameters.

    Idempotent: a second run finds the items unchanged and leaves their reviews and parameters alone.
    """
    files = starter_bank_files()
    catalogue = read_catalogue(files["catalogue.csv"])
    report = import_results(session, actor=author, results=read_files("starter_bank", files), store=store)
    by_identifier = {item.identifier: item for item in session.scalars(
        select(Item).where(Item.identifier.in_(list(catalogue))))}
    for identifier, row in catalogue.items():
        item = by_identifier.get(identifier)
        if item is None or item.status != ItemStatus.DRAFT:
            continue
        # Through the bank's rules: the classification is pinned by the version the reviewer approves.
        services.update_item(session, actor=author, item_id=item.id, if_match=item.etag, changes=services.ItemChanges(
            skill=row.skill, level=row.level, topic=row.topic, expected_seconds=row.expected_seconds,
            comment="starter bank catalogue"))
        review.submit_item(session, actor=author, item_id=item.id, comment="starter bank")
        review.approve_item(session, actor=reviewer, item_id=item.id, comment="starter bank, reviewed by the team")
        if row.parameters is not None and item.current_version_id is not None:
            set_irt_parameters(session, item_version_id=item.current_version_id, parameters=row.parameters,
                               calibrated_at=None)
    existing_pairs = {(p.item_id, p.enemy_id) for p in session.scalars(select(ItemEnemy))}
    for identifier, row in catalogue.items():
        for enemy in row.enemies:
            if identifier in by_identifier and enemy in by_identifier:
                pair = tuple(sorted((by_identifier[identifier].id, by_identifier[enemy].id)))
                if pair not in existing_pairs:
                    session.add(ItemEnemy(item_id=pair[0], enemy_id=pair[1]))
                    existing_pairs.add(pair)
    session.flush()
    return report


def problems_in(report: list[ReportEntry]) -> list[ReportEntry]:
    return [entry for entry in report if entry.status in (EntryStatus.ERROR, EntryStatus.UNSUPPORTED)]
