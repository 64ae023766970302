"""The schema comes only from the Alembic migrations, and matches the models on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from api.migrations import downgrade_database, pending_migrations, upgrade_database
from core.db import Base, include_in_schema_comparison

EXPECTED_TABLES = {
    "users", "api_tokens", "units", "job_positions", "staff_members", "targets", "items", "item_versions",
    "item_reviews", "tests", "test_items", "attempts", "responses", "assessed_levels", "audit_events", "media",
    "stimuli", "item_tags", "item_enemies", "item_statistics",
}


def _schema_diff(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_in_schema_comparison})
        return compare_metadata(context, Base.metadata)


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


def test_postgresql_gets_a_trigram_index_for_text_search(empty_database):
    upgrade_database(empty_database.url)
    indexes = {index["name"] for index in inspect(empty_database.engine).get_indexes("items")}
    if empty_database.backend == "postgresql":
        assert "ix_items_search_text_trgm" in indexes
    else:
        assert "ix_items_search_text_trgm" not in indexes
