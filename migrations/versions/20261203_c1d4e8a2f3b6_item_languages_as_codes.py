"""Items and passages imported with a regional language tag ("en-US", "EN") store their language code ("en").

The API and the bank's searches take lower-case ISO 639 codes only, so an item imported from a QTI file with
xml:lang="en-US" was found by no search for its language and could not be saved with it unchanged. Imports now
store the primary subtag; this does the same for those stored before. A tag whose primary subtag is no language
code stays as it is (an edit then asks for one). The downgrade keeps the codes: they are what the tags meant.

Revision ID: c1d4e8a2f3b6
Revises: 8b2f5d1e3c47
Create Date: 2026-12-03 11:00:00
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c1d4e8a2f3b6'
down_revision: str | None = '8b2f5d1e3c47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE = re.compile(r"[a-z]{2,3}")  # core.languages.LANGUAGE_CODE at this revision


def upgrade() -> None:
    bind = op.get_bind()
    for name in ('items', 'stimuli'):
        table = sa.table(name, sa.column('id', sa.Integer), sa.column('language', sa.String))
        for row_id, language in bind.execute(sa.select(table.c.id, table.c.language)).all():
            code = (language or "").strip().replace("_", "-").split("-")[0].lower()
            if code != language and CODE.fullmatch(code):
                bind.execute(table.update().where(table.c.id == row_id).values(language=code))


def downgrade() -> None:
    """Nothing to undo: a code means what its regional tag meant."""
