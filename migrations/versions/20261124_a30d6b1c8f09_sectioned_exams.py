"""Sectioned exams: each attempt's section timeline and scores, and its overall score.

Revision ID: a30d6b1c8f09
Revises: 3e8a1f6c2b90
Create Date: 2026-11-24 00:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'a30d6b1c8f09'
down_revision: str | None = '3e8a1f6c2b90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sections', core.db.JsonType, nullable=True))
        batch_op.add_column(sa.Column('overall_score', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('overall_score')
        batch_op.drop_column('sections')
