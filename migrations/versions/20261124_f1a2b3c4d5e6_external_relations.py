"""External relations: who is external-relations staff, surveys for them only; the day a position's level is due.

Paths record whether their deadline follows the position's date and whether they were planned as an
external-relations staff member's own plan, so that refreshing notices when either changes.

Revision ID: f1a2b3c4d5e6
Revises: a7c1e9d2b4f6
Create Date: 2026-11-24 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f1a2b3c4d5e6'
down_revision: str | None = 'a7c1e9d2b4f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('job_positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_by', sa.Date(), nullable=True))
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_external_relations', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=40), nullable=False, server_default='all'))
    with op.batch_alter_table('learning_paths', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_from_position', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('external_relations', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('learning_paths', schema=None) as batch_op:
        batch_op.drop_column('external_relations')
        batch_op.drop_column('deadline_from_position')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('audience')
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_column('is_external_relations')
    with op.batch_alter_table('job_positions', schema=None) as batch_op:
        batch_op.drop_column('required_by')
