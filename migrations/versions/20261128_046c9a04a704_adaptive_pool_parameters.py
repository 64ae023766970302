"""An adaptive test keeps its items' IRT parameters: test_items.irt_a, irt_b, irt_c.

An adaptive test froze its pool (the item versions) at creation, but each process built its engine from the
bank's parameters of the moment (item_statistics). After a calibration, workers started before and after it gave
and scored one attempt with different parameters, and a result depended on which worker took its last answer;
nor could a result be recomputed as it was scored. The parameters are now frozen with the pool, and
assessment.adaptive.build_engine reads them from here. Other tests leave them NULL.

The upgrade fills them in for existing adaptive tests from item_statistics: the parameters their engines were
built with, unless a calibration ran since the processes now running started. The downgrade drops them, and
engines read the bank's parameters again.

Revision ID: 046c9a04a704
Revises: c4d8e2a61f07
Create Date: 2026-11-28 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '046c9a04a704'
down_revision: str | None = 'c4d8e2a61f07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARAMETERS = ('irt_a', 'irt_b', 'irt_c')


# Plain ALTER TABLE, as c4d8e2a61f07: SQLite 3.35+ adds and drops a column in place, where a batch would rebuild
# the table.
def upgrade() -> None:
    for name in PARAMETERS:
        op.add_column('test_items', sa.Column(name, sa.Float(), nullable=True))
    op.execute("UPDATE test_items SET "
               + ", ".join(f"{name} = (SELECT item_statistics.{name} FROM item_statistics "
                           f"WHERE item_statistics.item_version_id = test_items.item_version_id)"
                           for name in PARAMETERS)
               + " WHERE test_id IN (SELECT id FROM tests WHERE kind = 'adaptive')")


def downgrade() -> None:
    for name in reversed(PARAMETERS):
        op.drop_column('test_items', name)
