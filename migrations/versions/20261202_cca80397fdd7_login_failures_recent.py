"""Login failures keep the times of the latest ones (login_failures.recent) in place of a fixed window's start.

Failures were counted in fixed windows from a window's first failure: those on both sides of a window's end went
unpaused (8 in 9 seconds). core.accounts.throttle now pauses when a rule's number of latest failures fell within
any stretch of its window. The counts running at the upgrade start afresh (a pause running stays); the downgrade
forgets the counts and the pauses running (they are minutes long).

Revision ID: cca80397fdd7
Revises: 1859d5b32889
Create Date: 2026-12-02 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db import UtcDateTime

revision: str = 'cca80397fdd7'
down_revision: str | None = '1859d5b32889'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, as c4d8e2a61f07: SQLite 3.35+ adds and drops a column in place.
def upgrade() -> None:
    op.add_column('login_failures', sa.Column('recent', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                              nullable=False, server_default='[]'))
    op.execute("UPDATE login_failures SET failures = 0")
    op.drop_column('login_failures', 'window_started_at')


def downgrade() -> None:
    op.execute("DELETE FROM login_failures")
    op.add_column('login_failures', sa.Column('window_started_at', UtcDateTime(), nullable=True))
    op.drop_column('login_failures', 'recent')
