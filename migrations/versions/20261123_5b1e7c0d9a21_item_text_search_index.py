"""Trigram index for item text search on PostgreSQL.

LIKE '%word%' over a large bank needs pg_trgm; where the extension cannot be created (no
privilege), the index is skipped and search still works, only slower. SQLite has no equivalent.

Revision ID: 5b1e7c0d9a21
Revises: 1cdfb890d345
Create Date: 2026-11-23 21:08:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '5b1e7c0d9a21'
down_revision: str | None = '1cdfb890d345'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_items_search_text_trgm"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension goes to the public schema when it can (database-wide, shared by every schema);
    # the operator class is then named with its schema, whatever the search_path is.
    op.execute("""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
                    CREATE EXTENSION pg_trgm SCHEMA public;
                ELSE
                    CREATE EXTENSION pg_trgm;
                END IF;
            END IF;
        EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
            RAISE NOTICE 'pg_trgm is not available: item text search runs without an index';
        END $$;
    """)
    op.execute(f"""
        DO $$
        DECLARE trgm_schema text;
        BEGIN
            SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname = 'pg_trgm';
            IF trgm_schema IS NOT NULL THEN
                EXECUTE format('CREATE INDEX IF NOT EXISTS {INDEX} ON items USING gin (search_text %I.gin_trgm_ops)',
                               trgm_schema);
            END IF;
        END $$;
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
