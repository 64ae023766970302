"""Browser sessions end for real: users.session_generation, which logout and a new password move on.

A browser session keeps the account id and this generation; a session whose generation is behind the
account's is refused, so a copy of the cookie no longer outlives the logout. Sessions begun before this
revision carry no generation and log in again once.

Revision ID: bee88f6f3457
Revises: a065aa92f44d
Create Date: 2026-11-25 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'bee88f6f3457'
down_revision: str | None = 'a065aa92f44d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: on SQLite a batch rebuilds the table, and dropping "users" fails while the
# rows of every table pointing at it exist (SQLite 3.35+ adds and drops a column in place).
def upgrade() -> None:
    op.add_column('users', sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_column('users', 'session_generation')
