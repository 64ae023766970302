"""Each item version pins the skill and level it was reviewed and delivered under (reclassifying is a new version).

Before, skill and level lived only on the item: reclassifying an approved item (reading -> listening,
level 3 -> 5) changed every published test that delivers it, with no review. Existing versions take their
item's skill and level: the only record there is of what they were delivered under.

Revision ID: 8d85b935d5c0
Revises: 531a6c1dc928
Create Date: 2026-11-25 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8d85b935d5c0'
down_revision: str | None = '531a6c1dc928'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skill', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('level', sa.Integer(), nullable=True))
    op.execute("UPDATE item_versions SET "
               "skill = (SELECT items.skill FROM items WHERE items.id = item_versions.item_id), "
               "level = (SELECT items.level FROM items WHERE items.id = item_versions.item_id)")


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a plain column itself): recreating the table would fail on SQLite
    # while responses, tests and reviews refer to its rows.
    with op.batch_alter_table('item_versions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('level')
        batch_op.drop_column('skill')
