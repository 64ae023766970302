"""Backup and restore of the whole service: every table's rows and the media files, in one archive.

The archive is the same for SQLite and PostgreSQL (rows as JSON lines, typed by their columns), so a
backup restores into either. A restore needs an empty database: it is first migrated to the
backup's schema revision, the rows go in table by table in dependency order (foreign keys that
form a cycle are set in a second pass), PostgreSQL's id sequences are moved past the restored ids,
and everything commits at once or not at all.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, Table, func, select, text
from sqlalchemy.schema import sort_tables_and_constraints
from sqlalchemy.types import Date, DateTime, LargeBinary, Numeric

from api.migrations import upgrade_database
from assessment.rating.models import score_text
from core.db import UtcDateTime
from migrations.models import all_models

FORMAT = "levelpath-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be read, or a database it cannot be restored into."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    revision: str
    rows: dict[str, int]
    media_files: int


def _encode(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):  # an exact rating score (ExactScore): its stored text, read back by the column
        return score_text(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(column: Column, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UtcDateTime | DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _revision(connection: Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if heads else None


def _ordered_tables() -> tuple[list[Table], dict[str, list[Column]]]:
    """Tables parents first; the foreign-key columns that close a cycle, per table, for a second pass."""
    metadata = all_models()
    ordered, cyclic = [], {}
    for table, constraints in sort_tables_and_constraints(metadata.sorted_tables):
        if table is not None:
            ordered.append(table)
        else:
            for constraint in constraints:
                cyclic.setdefault(constraint.table.name, []).extend(constraint.columns)
    return ordered, cyclic


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in connection.execute(select(table).order_by(*order)).mappings():
        yield {column.name: _encode(column, row[column.name]) for column in table.columns}


def backup(engine: Engine, media_root: Path, out: Path) -> BackupSummary:
    """Write every table's rows and the media files to ``out`` (a .tar.gz), read in one transaction."""
    tables, _ = _ordered_tables()
    counts: dict[str, int] = {}
    media = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []
    with engine.connect() as connection, connection.begin(), tarfile.open(out, "w:gz") as archive:
        revision = _revision(connection)
        if revision is None:
            raise BackupError("the database has no schema yet: nothing to back up")
        for table in tables:
            lines = [json.dumps(row, ensure_ascii=False) for row in _rows(connection, table)]
            counts[table.name] = len(lines)
            _add_bytes(archive, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
        for path in media:
            archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}", recursive=False)
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "revision": revision, "rows": counts,
                    "media_files": len(media), "created_at": datetime.now(UTC).isoformat()}
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
    return BackupSummary(revision, counts, len(media))


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, json.JSONDecodeError) as error:
        raise BackupError(f"not a LevelPath backup (no readable manifest): {error}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r} v{manifest.get('version')}")
    return manifest


def _check_empty(connection: Connection, tables: list[Table]) -> None:
    for table in tables:
        if connection.scalar(select(func.count()).select_from(table)):
            raise BackupError(f"the database is not empty (table {table.name} has rows): restore into an empty one")


def _safe_media_path(media_root: Path, member: tarfile.TarInfo) -> Path:
    relative = PurePosixPath(member.name).relative_to("media")
    if member.issym() or member.islnk() or ".." in relative.parts or relative.is_absolute():
        raise BackupError(f"refusing media entry {member.name!r}")
    return media_root.joinpath(*relative.parts)


def restore(engine: Engine, database_url: str, archive_path: Path, media_root: Path) -> BackupSummary:
    """Restore a backup into an empty database (migrated to the backup's revision first), all or nothing."""
    with _open(archive_path) as archive:
        manifest = _read_manifest(archive)
        try:
            upgrade_database(database_url, manifest["revision"])
        except Exception as error:  # alembic refuses a revision older than the database's
            raise BackupError(f"cannot bring the database to the backup's revision {manifest['revision']}: "
                              f"{error}") from None
        tables, cyclic = _ordered_tables()
        with engine.connect() as connection, connection.begin():
            if _revision(connection) != manifest["revision"]:
                raise BackupError(f"the database is at {_revision(connection)}, the backup at {manifest['revision']}")
            _check_empty(connection, tables)
            later: list[tuple[Table, dict[str, Any], list[Column]]] = []
            for table in tables:
                held_back = [column for column in cyclic.get(table.name, []) if column.nullable]
                batch: list[dict[str, Any]] = []
                for row in _table_rows(archive, table):
                    if held_back and any(row[column.name] is not None for column in held_back):
                        later.append((table, dict(row), held_back))
                        row = {**row, **{column.name: None for column in held_back}}
                    batch.append(row)
                    if len(batch) == BATCH:
                        connection.execute(table.insert(), batch)
                        batch = []
                if batch:
                    connection.execute(table.insert(), batch)
            for table, row, columns in later:
                keys = {column.name: row[column.name] for column in table.primary_key.columns}
                condition = [table.c[name] == value for name, value in keys.items()]
                kept = [column for column in table.columns if column.onupdate is not None]  # e.g. updated_at
                connection.execute(table.update().where(*condition).values(
                    {column.name: row[column.name] for column in [*columns, *kept]}))
            if engine.dialect.name == "postgresql":
                _move_sequences(connection, tables)
        media_files = 0
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith("media/"):
                target = _safe_media_path(media_root, member)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
                media_files += 1
    return BackupSummary(manifest["revision"], manifest["rows"], media_files)


def _open(archive_path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"cannot read {archive_path}: {error}") from None


def _table_rows(archive: tarfile.TarFile, table: Table) -> Iterator[dict[str, Any]]:
    try:
        handle = archive.extractfile(f"tables/{table.name}.jsonl")
    except KeyError:
        return  # a table newer than the backup's code: nothing to restore
    assert handle is not None
    columns = {column.name: column for column in table.columns}
    for line in io.TextIOWrapper(handle, encoding="utf-8"):
        if line.strip():
            data = json.loads(line)
            yield {name: _decode(columns[name], value) for name, value in data.items() if name in columns}


def _move_sequences(connection: Connection, tables: list[Table]) -> None:
    """Integer ids restored as they were: the next id PostgreSQL hands out comes after them."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not keys[0].autoincrement or keys[0].type.python_type is not int:
            continue
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                     {"table": table.name, "column": keys[0].name})
        if sequence:
            top = connection.scalar(select(func.max(keys[0])))
            connection.execute(text("SELECT setval(:sequence, :next, false)"),
                               {"sequence": sequence, "next": (top or 0) + 1})
