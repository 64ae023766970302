"""The one declarative base, portable column types and engine construction."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, create_engine, event, insert, inspect
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
    given = instance.__dict__
    values = {prop.columns[0].key: given[prop.key] for prop in mapper.column_attrs if prop.key in given}
    row = session.connection().execute(_insert_returning_row(mapper.local_table), values).one()
    for prop in mapper.column_attrs:
        setattr(instance, prop.key, row._mapping[prop.columns[0]])
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@functools.cache
def _insert_returning_row(table: Table) -> ReturningInsert[Any]:
    return insert(table).returning(*table.columns)


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
        connection.exec_driver_sql("BEGIN")
