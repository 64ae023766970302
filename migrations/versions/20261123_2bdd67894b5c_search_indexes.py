"""Search indexes: tag filters and level filters answered from indexes alone.

Revision ID: 2bdd67894b5c
Revises: dd552f597218
Create Date: 2026-11-23 22:25:15.076664
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = '2bdd67894b5c'
down_revision: str | None = 'dd552f597218'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_tags_tag'))
        batch_op.create_index('ix_item_tags_tag_item', ['tag', 'item_id'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_level_id', ['level', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_level_id')

    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_item_tags_tag_item')
        batch_op.create_index(batch_op.f('ix_item_tags_tag'), ['tag'], unique=False)

