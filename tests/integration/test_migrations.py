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


def test_existing_item_versions_keep_the_passage_their_item_was_delivered_with(empty_database):
    """3f8a6c2e9d41 pins each version to a stimulus: existing versions take their item's."""
    from sqlalchemy import text

    upgrade_database(empty_database.url, "7e1c5a9b3d20")
    now = "2026-11-24 08:00:00+00:00"
    with empty_database.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (id, username, full_name, password_hash, roles, is_active, "
                                "created_at) VALUES (1, 'author', 'An Author', 'x', '[\"author\"]', true, :now)"),
                           {"now": now})
        connection.execute(text("INSERT INTO stimuli (id, kind, title, body, language, content_hash, created_by, "
                                "created_at) VALUES (7, 'passage', 'Notice', '<p>Text.</p>', 'en', 'h', 1, :now)"),
                           {"now": now})
        connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, "
                                "title, source, stimulus_id, revision, search_text, preview) VALUES (:id, "
                                "'single_choice', 'en', 'draft', 1, :now, :now, '', '', :stimulus, 1, '', '')"),
                           [{"id": 1, "stimulus": 7, "now": now}, {"id": 2, "stimulus": None, "now": now}])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :item, :number, '{}', '{}', 1, :now)"),
                           [{"id": item * 10 + number, "item": item, "number": number, "now": now}
                            for item in (1, 2) for number in (1, 2)])
    upgrade_database(empty_database.url)
    with empty_database.engine.connect() as connection:
        pinned = dict(connection.execute(text("SELECT id, stimulus_id FROM item_versions ORDER BY id")).all())
    assert pinned == {11: 7, 12: 7, 21: None, 22: None}
