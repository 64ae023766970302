"""Staff: the HR personnel number a bulk import matches people on.

Revision ID: a7c1e9d2b4f6
Revises: c9e3a1f4d6b8
Create Date: 2026-11-24 00:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a7c1e9d2b4f6'
down_revision: str | None = 'c9e3a1f4d6b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_number', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_members_staff_number'), ['staff_number'])


def downgrade() -> None:
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_members_staff_number'), type_='unique')
        batch_op.drop_column('staff_number')
