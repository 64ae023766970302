"""Offerings can be cancelled: when and why (a cancelled offering keeps its history, takes no one).

Revision ID: 7e1c5a9b3d20
Revises: 1b2c3d4e5f60
Create Date: 2026-11-24 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '7e1c5a9b3d20'
down_revision: str | None = '1b2c3d4e5f60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('course_offerings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('course_offerings', schema=None) as batch_op:
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancelled_at')
