"""Adaptive attempts (administered items, ability, placement) and idempotent answers.

Revision ID: 91df0a131abd
Revises: 5b1e7c0d9a21
Create Date: 2026-11-23 21:56:33.918105
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '91df0a131abd'
down_revision: str | None = '5b1e7c0d9a21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attempt_items',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('set_aside', core.db.JsonType, nullable=False),
    sa.Column('administered_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_items_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_attempt_items_item_version_id_item_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('attempt_id', 'position', name=op.f('pk_attempt_items'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theta', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('se', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('placement', core.db.JsonType, nullable=True))

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_responses_attempt_id_idempotency_key'), ['attempt_id', 'idempotency_key'])

    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('config', core.db.JsonType, nullable=False, server_default='{}'))



def downgrade() -> None:
    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.drop_column('config')

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_responses_attempt_id_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('placement')
        batch_op.drop_column('se')
        batch_op.drop_column('theta')

    op.drop_table('attempt_items')
