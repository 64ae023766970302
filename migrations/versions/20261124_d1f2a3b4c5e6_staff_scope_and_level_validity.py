"""Staff: leadership role, languages, language teachers; levels: their language and last valid day.

Revision ID: d1f2a3b4c5e6
Revises: f83d5e6a7b24
Create Date: 2026-11-24 00:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'd1f2a3b4c5e6'
down_revision: str | None = 'f83d5e6a7b24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leadership_role', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('languages', core.db.JsonType, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('is_language_teacher', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('assessed_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessed_levels', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('language')
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_column('is_language_teacher')
        batch_op.drop_column('languages')
        batch_op.drop_column('leadership_role')
