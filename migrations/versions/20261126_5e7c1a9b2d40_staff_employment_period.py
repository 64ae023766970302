"""Staff records get an employment period: staff_members.joined_on and left_on (both ends inclusive).

Until now a staff record was employed for ever: the compliance report counted leavers long after they left,
and a report as of a past day counted people hired since. Existing records get neither date (NULL: employed
since before the records and still employed), so every report keeps its figures until HR records a leaver.
That left_on is not before joined_on is a domain rule (learning.staff.employment_period_problem), checked on
every write (PATCH, import) with a 422 naming the field; no CHECK constraint, as adding one to an existing table
on SQLite takes the batch rebuild avoided below.

Revision ID: 5e7c1a9b2d40
Revises: bee88f6f3457
Create Date: 2026-11-26 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e7c1a9b2d40'
down_revision: str | None = 'bee88f6f3457'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode (as bee88f6f3457): on SQLite a batch rebuilds the table, and dropping
# "staff_members" fails while rows of the tables pointing at it (paths, enrolments) exist.
def upgrade() -> None:
    op.add_column('staff_members', sa.Column('joined_on', sa.Date(), nullable=True))
    op.add_column('staff_members', sa.Column('left_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('staff_members', 'left_on')
    op.drop_column('staff_members', 'joined_on')
