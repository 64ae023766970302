"""The one declarative base, portable column types and engine construction."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Executable,
    MetaData,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.types import TypeDecorator

INT32_MAX = 2**31 - 1  # the largest value of an Integer column (PostgreSQL's integer): ids, counts

# Constraint names stay stable across SQLite and PostgreSQL, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# What migrations create for one backend only (outside the models): schema comparisons skip them.
DATABASE_ONLY_INDEXES = frozenset({"ix_items_search_text_trgm", "ix_items_search_vector"})
DATABASE_ONLY_COLUMNS = frozenset({"search_vector"})


def include_in_schema_comparison(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not ((type_ == "index" and name in DATABASE_ONLY_INDEXES)
                or (type_ == "column" and name in DATABASE_ONLY_COLUMNS))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def dialect_insert(session: Session) -> Any:
    """The INSERT construct of the session's database, which has ON CONFLICT: for atomic upserts."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect_name: str) -> Any:
    """The INSERT construct, with ON CONFLICT, of the database named (``Dialect.name``)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


ModelT = TypeVar("ModelT", bound=Base)


def add_inserted(session: Session, instance: ModelT) -> ModelT:
    """Insert a new object with one Core statement and place it in the session as if it had been loaded.

    For the hottest paths only: the unit of work's flush costs several times the INSERT itself. The row
    comes back whole (RETURNING), so generated keys and column defaults are on the object; relationships
    are neither cascaded nor set (put the object into a loaded collection with ``set_committed_value``).
    """
    mapper = inspect(instance).mapper
    row = session.connection().execute(_insert_returning_row(mapper.local_table), _given_values(instance)).one()
    _place_inserted(session, instance, lambda column: row._mapping[column])
    return instance


def add_all_inserted(session: Session, instances: Sequence[Base], *,
                     also: tuple[Executable, dict[str, Any]] | None = None) -> None:
    """``add_inserted`` for several new objects, and one more INSERT or upsert beside them (``also``: a statement
    and its parameters, every column with a value: no default is applied to it), in one statement on PostgreSQL:
    a data-modifying WITH holds them all, so one round trip to the database where each used to make its own.
    Elsewhere, one statement each. Raises ValueError for two objects of one table (SQLAlchemy cannot put two
    INSERTs into one table in a WITH).
    """
    tables = [inspect(instance).mapper.local_table for instance in instances]
    if len(set(tables)) < len(tables):
        raise ValueError("add_all_inserted takes one object per table")
    if session.get_bind().dialect.name != "postgresql":
        for instance in instances:
            add_inserted(session, instance)
        if also is not None:
            session.connection().execute(*also)
        return
    given = [_with_python_defaults(table, _given_values(instance)) for table, instance in zip(
        tables, instances, strict=True)]
    shape = tuple((table, tuple(values)) for table, values in zip(tables, given, strict=True))
    parameters = {_bound(index, key): value for index, values in enumerate(given) for key, value in values.items()}
    row = session.connection().execute(_inserted_together(shape, also[0] if also else None),
                                       {**parameters, **(also[1] if also else {})}).one()
    for index, instance in enumerate(instances):
        _place_inserted(session, instance, lambda column, index=index: row._mapping[_bound(index, column.key)])


def _given_values(instance: Base) -> dict[str, Any]:
    """The column values set on a new object, by column name (what its INSERT is given)."""
    given = instance.__dict__
    return {prop.columns[0].key: given[prop.key] for prop in inspect(instance).mapper.column_attrs
            if prop.key in given}


def _with_python_defaults(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` and the Python-side defaults (``default=``) of the table's other columns: SQLAlchemy fills
    them in for an INSERT it runs, not for one inside a WITH."""
    for column in table.columns:
        if column.key not in values and column.default is not None and not column.default.is_sequence:
            values[column.key] = column.default.arg(None) if column.default.is_callable else column.default.arg
    return values


def _place_inserted(session: Session, instance: Base, stored: Callable[[Any], Any]) -> None:
    """Put an object just inserted into the session as if loaded, with the values its row holds."""
    for prop in inspect(instance).mapper.column_attrs:
        setattr(instance, prop.key, stored(prop.columns[0]))
    make_transient_to_detached(instance)
    session.add(instance)


def _bound(index: int, column_name: str) -> str:
    return f"new{index}_{column_name}"


@functools.cache
def _insert_returning_row(table: Table) -> ReturningInsert[Any]:
    return insert(table).returning(*table.columns)


@functools.cache
def _inserted_together(shape: tuple[tuple[Table, tuple[str, ...]], ...], also: Executable | None) -> Select[Any]:
    """WITH new0 AS (INSERT ... RETURNING *), new1 AS (...)[, also AS (...)] SELECT new0.*, new1.*: built once
    per kind of objects and columns given; each INSERT makes one row, so the SELECT gives one row."""
    inserted = [insert(table).values({name: bindparam(_bound(index, name), type_=table.c[name].type)
                                      for name in names}).returning(*table.columns).cte(f"new{index}")
                for index, (table, names) in enumerate(shape)]
    rows = inserted[0]
    for row in inserted[1:]:
        rows = rows.join(row, true())  # one row each: their product is the one row
    together = select(*(row.c[column.key].label(_bound(index, column.key))
                        for index, ((table, _), row) in enumerate(zip(shape, inserted, strict=True))
                        for column in table.columns)).select_from(rows)
    return together.add_cte(also.cte("also")) if also is not None else together


#: A connection execution option: on SQLite, its transactions begin with the write lock (BEGIN IMMEDIATE).
#: Nothing on PostgreSQL, whose row locks let writers take turns.
SQLITE_WRITE_LOCK = "levelpath_sqlite_write_lock"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-backend settings LevelPath relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_connections_left_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_connections_left_idle(engine: Engine) -> None:
    """Test a pooled connection before use when it has sat idle, as pool_pre_ping would on every checkout.

    A connection idle for a while may have been cut (database restarted, idle timeout); under load,
    connections go back out within milliseconds and the round trip is saved on every request. A
    connection that dies in use anyway fails that request (503) and SQLAlchemy discards the whole pool.
    """
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the connection did not answer a ping")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take control of it,
    # as the SQLAlchemy documentation recommends, and turn on foreign keys and WAL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction that will write takes the write lock at BEGIN, so that writers wait their turn (up to
        # busy_timeout). A deferred one that has read cannot wait: in WAL mode its first write fails at once
        # (SQLITE_BUSY_SNAPSHOT) whenever another transaction committed since it read.
        writes = connection.get_execution_options().get(SQLITE_WRITE_LOCK, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
