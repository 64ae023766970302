"""Each item version names the passage or recording it is delivered with (a changed passage is a new version).

Existing versions take their item's stimulus: the only record there is of what they were delivered with.

Revision ID: 3f8a6c2e9d41
Revises: 7e1c5a9b3d20
Create Date: 2026-11-24 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f8a6c2e9d41'
down_revision: str | None = '7e1c5a9b3d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stimulus_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_item_versions_stimulus_id'), ['stimulus_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_item_versions_stimulus_id_stimuli'), 'stimuli', ['stimulus_id'],
                                    ['id'], ondelete='RESTRICT')
    op.execute("UPDATE item_versions SET stimulus_id = "
               "(SELECT items.stimulus_id FROM items WHERE items.id = item_versions.item_id)")


def downgrade() -> None:
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_item_versions_stimulus_id_stimuli'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_item_versions_stimulus_id'))
        batch_op.drop_column('stimulus_id')
