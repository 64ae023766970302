"""Login throttling: failed logins counted per account-at-address and per address.

Revision ID: 0a9b8c7d6e5f
Revises: f1a2b3c4d5e6
Create Date: 2026-11-24 01:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0a9b8c7d6e5f'
down_revision: str | None = 'f1a2b3c4d5e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', core.db.UtcDateTime(), nullable=False),
        sa.Column('paused_until', core.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures')),
    )


def downgrade() -> None:
    op.drop_table('login_failures')
