"""Search indexes: type with status and skill, and a topic's items by date.

Revision ID: 3e8a1f6c2b90
Revises: 7c3d2e1f0a44
Create Date: 2026-11-24 00:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '3e8a1f6c2b90'
down_revision: str | None = '7c3d2e1f0a44'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_type')
        batch_op.drop_index('ix_items_topic')
        batch_op.create_index('ix_items_type_status_skill', ['type', 'status', 'skill', 'id'], unique=False)
        batch_op.create_index('ix_items_topic_updated_at', ['topic', 'updated_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_topic_updated_at')
        batch_op.drop_index('ix_items_type_status_skill')
        batch_op.create_index('ix_items_topic', ['topic'], unique=False)
        batch_op.create_index('ix_items_type', ['type'], unique=False)
