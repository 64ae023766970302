"""The schema comes only from the Alembic migrations, and matches the models on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from api.migrations import downgrade_database, pending_migrations, upgrade_database
from core.db import Base

EXPECTED_TABLES = {
    "users", "api_tokens", "units", "job_positions", "staff_members", "targets", "items", "item_versions",
    "item_reviews", "tests", "test_items", "attempts", "responses", "assessed_levels",
}


def _schema_diff(engine):
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def test_migrations_build_exactly_the_models_schema(empty_database):
    engine = empty_database.engine
    assert pending_migrations(engine)
    upgrade_database(empty_database.url)
    assert not pending_migrations(engine)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    assert _schema_diff(engine) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(empty_database):
    upgrade_database(empty_database.url)
    downgrade_database(empty_database.url, "base")
    assert set(inspect(empty_database.engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []
