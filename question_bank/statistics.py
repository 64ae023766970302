"""The statistics slots of item versions, which assessment fills (exposure, classical, IRT)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from core.db import insert_of
from question_bank.models import ItemStatistics


@dataclass(frozen=True, slots=True)
class IrtParameters:
    model: str  # rasch, 1pl, 2pl, 3pl, gpcm
    a: float
    b: float
    c: float = 0.0
    se_a: float | None = None
    se_b: float | None = None
    se_c: float | None = None


def statistics_for(session: Session, item_version_id: int) -> ItemStatistics:
    stats = session.get(ItemStatistics, item_version_id)
    if stats is None:
        stats = ItemStatistics(item_version_id=item_version_id, exposure_count=0, response_count=0,
                               irt_provisional=True)
        session.add(stats)
    return stats


def count_exposures(session: Session, item_version_ids: Iterable[int]) -> None:
    """Add one delivery to each version's exposure count, atomically.

    The database adds (no read-modify-write, so deliveries at the same moment are all counted), and the
    rows are taken in id order, so that transactions counting several versions never deadlock. It runs on
    the session's connection, past the ORM: nothing of the session needs flushing for it, nor changes.
    """
    ids = sorted(set(item_version_ids))
    if ids:
        session.connection().execute(_exposure_upsert(session.get_bind().dialect.name),
                                     [{"version_id": version_id} for version_id in ids])


def exposure_count(session: Session, item_version_id: int) -> tuple[Any, dict[str, Any]]:
    """The write that adds one delivery to a version's exposure count (as ``count_exposures``), as a statement
    and its parameters: for ``core.db.add_all_inserted`` to make together with the delivery itself."""
    return _exposure_upsert(session.get_bind().dialect.name), {"version_id": item_version_id}


@functools.cache
def _exposure_upsert(dialect_name: str) -> Any:
    """Built once per database kind: every answer to an adaptive test runs it."""
    statement = insert_of(dialect_name)(ItemStatistics).values(
        item_version_id=bindparam("version_id"), exposure_count=1, response_count=0, irt_provisional=True)
    return statement.on_conflict_do_update(index_elements=[ItemStatistics.item_version_id],
                                           set_={"exposure_count": ItemStatistics.exposure_count + 1})


def set_irt_parameters(session: Session, *, item_version_id: int, parameters: IrtParameters,
                       calibrated_at: datetime | None) -> ItemStatistics:
    """Record IRT parameters; without a calibration date they are an author's provisional estimate."""
    stats = statistics_for(session, item_version_id)
    stats.irt_model = parameters.model
    stats.irt_a, stats.irt_b, stats.irt_c = parameters.a, parameters.b, parameters.c
    stats.irt_se_a, stats.irt_se_b, stats.irt_se_c = parameters.se_a, parameters.se_b, parameters.se_c
    stats.irt_provisional = calibrated_at is None
    stats.calibrated_at = calibrated_at
    session.flush()
    return stats
