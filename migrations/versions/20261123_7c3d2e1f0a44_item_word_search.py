"""Word search for items on PostgreSQL: a generated tsvector with a GIN index.

Substring search (LIKE with trigrams) slows down for common words in a large bank; a full-text
index finds words and word beginnings directly. SQLite keeps substring search.

Revision ID: 7c3d2e1f0a44
Revises: 2bdd67894b5c
Create Date: 2026-11-23 22:35:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '7c3d2e1f0a44'
down_revision: str | None = '2bdd67894b5c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE items ADD COLUMN search_vector tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED")
    op.execute("CREATE INDEX ix_items_search_vector ON items USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_items_search_vector")
        op.execute("ALTER TABLE items DROP COLUMN IF EXISTS search_vector")
