"""Backup and restore of the whole service: every table's rows and the media files, in one archive.

The archive is the same for SQLite and PostgreSQL (rows as JSON lines, typed by their columns), so a
backup restores into either. It holds the database at its own schema revision, which may be older than the
code's (a backup taken before `db upgrade`). A restore needs an empty database: it is first migrated to the
backup's schema revision, the rows go in table by table in dependency order (foreign keys that
form a cycle are set in a second pass), PostgreSQL's id sequences are moved past the restored ids,
and everything commits at once or not at all.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import itertools
import json
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, Table, TableClause, func, insert, inspect, select, text, update
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError
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


@dataclass(frozen=True, slots=True)
class _StoredTable:
    """A table as the database holds it at its revision, which may be older than the models."""

    clause: TableClause  # its columns, typed as the models type them (JSON, times, exact scores) where they know
    keys: list[str]  # its primary key
    model: Table | None  # None: a table the models no longer know (a later revision drops it)


def _stored_tables(connection: Connection) -> list[_StoredTable]:
    """Every table of the database but alembic's, parents first: those the models know in their order, then the
    others. Columns the models lack are kept, with the type the database reports: the archive holds the database
    as it is, so that it restores to its revision whatever the code's. Generated columns are left to the database."""
    tables, _ = _ordered_tables()
    inspector = inspect(connection)
    names = set(inspector.get_table_names()) - {"alembic_version"}
    known = {table.name: table for table in tables}
    stored = []
    for name in [table.name for table in tables if table.name in names] + sorted(names - set(known)):
        model = known.get(name)
        typed = {column.name: column.type for column in model.columns} if model is not None else {}
        clause = sql_table(name, *[sql_column(column["name"], typed.get(column["name"], column["type"]))
                                   for column in inspector.get_columns(name)
                                   if not column.get("computed")])  # generated (search vectors): made again
        keys = list(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        stored.append(_StoredTable(clause, keys, model))
    return stored


def _rows(connection: Connection, table: _StoredTable) -> Iterator[dict[str, Any]]:
    order = [table.clause.c[key] for key in table.keys] or list(table.clause.columns)
    for row in connection.execute(select(table.clause).order_by(*order)).mappings():
        yield {column.name: _encode(column, row[column.name]) for column in table.clause.columns}


def backup(engine: Engine, media_root: Path, out: Path) -> BackupSummary:
    """Write every table's rows and the media files to ``out`` (a .tar.gz), read in one transaction.

    A database at an older revision than the code (backed up before ``db upgrade``) is written as it is, with its
    revision: it restores to that revision. The archive is written aside and moved to ``out`` once whole, so a
    failed backup leaves no archive that looks like one."""
    counts: dict[str, int] = {}
    media = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []
    partial = out.with_name(out.name + ".partial")
    try:
        with engine.connect() as connection, connection.begin(), tarfile.open(partial, "w:gz") as archive:
            revision = _revision(connection)
            if revision is None:
                raise BackupError("the database has no schema yet: nothing to back up")
            for table in _stored_tables(connection):
                name = table.clause.name
                lines = [json.dumps(row, ensure_ascii=False) for row in _rows(connection, table)]
                counts[name] = len(lines)
                _add_bytes(archive, f"tables/{name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
            for path in media:
                archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}", recursive=False)
            manifest = {"format": FORMAT, "version": FORMAT_VERSION, "revision": revision, "rows": counts,
                        "media_files": len(media), "created_at": datetime.now(UTC).isoformat()}
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        partial.replace(out)
    except OSError as error:
        raise BackupError(f"cannot write the backup to {out}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(revision, counts, len(media))


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError) as error:  # ValueError: not JSON, or not UTF-8
        raise BackupError(f"not a LevelPath backup (no readable manifest): {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError("unsupported backup format" + (f" {manifest.get('format')!r} v{manifest.get('version')}"
                                                         if isinstance(manifest, dict) else ""))
    rows = manifest.get("rows")
    if not isinstance(manifest.get("revision"), str) or not isinstance(rows, dict) or not all(
            isinstance(count, int) and not isinstance(count, bool) and count >= 0 for count in rows.values()):
        raise BackupError("the backup's manifest is damaged: it needs a revision and a row count per table")
    return manifest


def _check_empty(connection: Connection, tables: list[_StoredTable]) -> None:
    """Refuse a database holding any row, at whatever revision it is (alembic's own bookkeeping aside)."""
    for table in tables:
        if connection.scalar(select(func.count()).select_from(table.clause)):
            raise BackupError(f"the database is not empty (table {table.clause.name} has rows): restore into an "
                              "empty one")


def _safe_media_path(media_root: Path, member: tarfile.TarInfo) -> Path:
    relative = PurePosixPath(member.name).relative_to("media")
    if member.issym() or member.islnk() or ".." in relative.parts or relative.is_absolute():
        raise BackupError(f"refusing media entry {member.name!r}")
    return media_root.joinpath(*relative.parts)


def restore(engine: Engine, database_url: str, archive_path: Path, media_root: Path) -> BackupSummary:
    """Restore a backup into an empty database (migrated to the backup's revision first), all or nothing.

    Everything that can refuse the restore is checked before anything is written: the manifest and the table files
    it counts, the media entries' names, that the database holds no row (before it is migrated). The rows then go
    in one transaction, which a table holding other rows than the manifest counts rolls back, and the media files
    are written before it commits: a restore that fails leaves the rows as they were (media files are named by
    their content, so one written before a failure is harmless and written again by a retry). An archive cut short
    or altered is a BackupError, as is everything else that refuses it.
    """
    try:
        return _restore(engine, database_url, archive_path, media_root)
    except (EOFError, tarfile.TarError, zlib.error, gzip.BadGzipFile) as error:  # cut short, or bytes changed
        raise BackupError(f"cannot read {archive_path}: the archive is damaged ({error})") from None


def _restore(engine: Engine, database_url: str, archive_path: Path, media_root: Path) -> BackupSummary:
    with _open(archive_path) as archive:
        manifest = _read_manifest(archive)
        media = [(member, _safe_media_path(media_root, member)) for member in archive.getmembers()
                 if member.isfile() and member.name.startswith("media/")]
        table_files = _table_files(archive, manifest)
        with engine.connect() as connection:
            _check_empty(connection, _stored_tables(connection))
        try:
            upgrade_database(database_url, manifest["revision"])
        except Exception as error:  # alembic refuses a revision older than the database's
            raise BackupError(f"cannot bring the database to the backup's revision {manifest['revision']}: "
                              f"{error}") from None
        _, cyclic = _ordered_tables()
        with engine.connect() as connection, connection.begin():
            if _revision(connection) != manifest["revision"]:
                raise BackupError(f"the database is at {_revision(connection)}, the backup at {manifest['revision']}")
            tables = _stored_tables(connection)
            _check_empty(connection, tables)
            if unknown := sorted(table_files - {table.clause.name for table in tables}):
                raise BackupError(f"the backup holds tables/{unknown[0]}.jsonl, a table the database at the backup's "
                                  "revision does not have: the archive is damaged")
            restored = _insert_rows(connection, archive, tables, cyclic, manifest["rows"])
            if engine.dialect.name == "postgresql":
                _move_sequences(connection, tables)
            for member, target in media:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    return BackupSummary(manifest["revision"], restored, len(media))


def _table_files(archive: tarfile.TarFile, manifest: dict[str, Any]) -> set[str]:
    """The tables the archive holds rows of. Each table the manifest counts must be there: a missing one is a
    damaged archive, whose rows would otherwise be lost without a word. Raises BackupError."""
    held = {member.name.removeprefix("tables/").removesuffix(".jsonl") for member in archive.getmembers()
            if member.isfile() and member.name.startswith("tables/") and member.name.endswith(".jsonl")}
    if missing := sorted(set(manifest["rows"]) - held):
        raise BackupError(f"the backup's manifest counts rows of table {missing[0]} but it holds no "
                          f"tables/{missing[0]}.jsonl: the archive is damaged")
    return held


def _insert_rows(connection: Connection, archive: tarfile.TarFile, tables: list[_StoredTable],
                 cyclic: dict[str, list[Column]], expected: dict[str, int]) -> dict[str, int]:
    """Every table's rows, parents first; foreign keys that close a cycle are set in a second pass. Returns the
    rows put in per table. Raises BackupError for rows the database refuses, or a table whose rows are not as
    many as the manifest counts (the transaction then writes nothing)."""
    later: list[tuple[_StoredTable, dict[str, Any], list[str]]] = []
    restored: dict[str, int] = {}
    for table in tables:
        name = table.clause.name
        restored[name] = 0
        held_back = [column.name for column in cyclic.get(name, []) if column.nullable]
        kept = [column.name for column in table.model.columns if column.onupdate is not None] \
            if table.model is not None else []  # e.g. updated_at
        batch: list[dict[str, Any]] = []
        for row in _table_rows(archive, table.clause):
            if held_back and any(row.get(column) is not None for column in held_back):
                later.append((table, row, [column for column in [*held_back, *kept] if column in row]))
                row = {**row, **{column: None for column in held_back}}
            batch.append(row)
            restored[name] += 1
            if len(batch) == BATCH:
                _insert(connection, table, batch)
                batch = []
        if batch:
            _insert(connection, table, batch)
        if name in expected and restored[name] != expected[name]:
            raise BackupError(f"tables/{name}.jsonl holds {restored[name]} rows, the manifest counts "
                              f"{expected[name]}: the archive is damaged")
    for table, row, columns in later:
        connection.execute(update(table.clause).where(*[table.clause.c[key] == row[key] for key in table.keys])
                           .values({column: row[column] for column in columns}))
    return restored


def _insert(connection: Connection, table: _StoredTable, rows: list[dict[str, Any]]) -> None:
    try:
        connection.execute(insert(table.clause), rows)
    except DBAPIError as error:
        raise BackupError(f"the rows of table {table.clause.name} cannot be restored: {error.orig}") from None


def _open(archive_path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"cannot read {archive_path}: {error}") from None


def _table_rows(archive: tarfile.TarFile, table: TableClause) -> Iterator[dict[str, Any]]:
    """The rows the backup holds for ``table``, of the columns the database has. Raises BackupError, naming the
    table and line, for one that cannot be read (the restore then writes nothing)."""
    try:
        handle = archive.extractfile(f"tables/{table.name}.jsonl")
    except KeyError:
        return  # a table the backup's manifest does not count either (_table_files): nothing to restore
    assert handle is not None
    columns = {column.name: column for column in table.columns}
    lines = io.TextIOWrapper(handle, encoding="utf-8")
    for number in itertools.count(1):
        try:
            line = lines.readline()
            if not line:
                return
            row = {name: _decode(columns[name], value) for name, value in json.loads(line).items()
                   if name in columns} if line.strip() else None
        except (ValueError, TypeError, AttributeError, ArithmeticError, binascii.Error) as error:
            # UnicodeDecodeError is a ValueError, decimal.InvalidOperation an ArithmeticError
            raise BackupError(f"tables/{table.name}.jsonl line {number} cannot be read: {error!r}") from None
        if row is not None:
            yield row


def _move_sequences(connection: Connection, tables: list[_StoredTable]) -> None:
    """Integer ids restored as they were: the next id PostgreSQL hands out comes after them."""
    for table in tables:
        if len(table.keys) != 1:
            continue
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                     {"table": table.clause.name, "column": table.keys[0]})
        if sequence:
            top = connection.scalar(select(func.max(table.clause.c[table.keys[0]])))
            connection.execute(text("SELECT setval(:sequence, :next, false)"),
                               {"sequence": sequence, "next": (top or 0) + 1})
