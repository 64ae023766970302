"""Items' search text and preview in composed Unicode (NFC), as searches are now compared.

Text typed on keyboards that decompose accents (some Vietnamese ones) was stored as typed; searches are now
normalised to NFC, so such items would be missed until edited. Their search text and preview are rewritten
in NFC (what a reader sees does not change); the item versions themselves stay as they were written.

Revision ID: 30455eb0ca0c
Revises: fd102cc256b6
Create Date: 2026-11-24 09:00:00
"""
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '30455eb0ca0c'
down_revision: str | None = 'fd102cc256b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

items = sa.table('items', sa.column('id', sa.Integer), sa.column('search_text', sa.Text),
                 sa.column('preview', sa.String(200)))


def upgrade() -> None:
    bind = op.get_bind()
    for item_id, search_text, preview in bind.execute(sa.select(items.c.id, items.c.search_text,
                                                                items.c.preview)).all():
        composed = {"search_text": unicodedata.normalize("NFC", search_text or ""),
                    "preview": unicodedata.normalize("NFC", preview or "")}
        if composed != {"search_text": search_text or "", "preview": preview or ""}:
            bind.execute(items.update().where(items.c.id == item_id).values(**composed))


def downgrade() -> None:
    """Nothing to undo: NFC text means what the decomposed text meant."""
