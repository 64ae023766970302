"""Timed attempts: a test's time limit, each attempt's deadline and how it ended.

Revision ID: cef0431addfb
Revises: 91df0a131abd
Create Date: 2026-11-23 22:05:34.118038
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = 'cef0431addfb'
down_revision: str | None = '91df0a131abd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_attempts_deadline'), ['deadline'], unique=False)

    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_limit_seconds', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.drop_column('time_limit_seconds')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_deadline'))
        batch_op.drop_column('closed_reason')
        batch_op.drop_column('deadline')

