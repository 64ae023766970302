"""Each attempt has a secret from which it draws the order and labels of the options it shows.

Options were shown as stored: an ordering item's options in their right order, a matching item's targets in the
order of their sources, a shuffled choice item's options as written (an imported GIFT question's right answer
first). assessment.presentation now shuffles and relabels them per attempt, from attempts.presentation_key.
Attempts started before this revision keep NULL and show their options as they did, since their candidates'
clients may hold the stored ids; the downgrade drops the column, and every attempt shows options as stored.

Revision ID: 5a0d3c9e7b21
Revises: b904710abe18
Create Date: 2026-11-30 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5a0d3c9e7b21'
down_revision: str | None = 'b904710abe18'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, as c4d8e2a61f07: SQLite 3.35+ adds and drops a column in place.
def upgrade() -> None:
    op.add_column('attempts', sa.Column('presentation_key', sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column('attempts', 'presentation_key')
