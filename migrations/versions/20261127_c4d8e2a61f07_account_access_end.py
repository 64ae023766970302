"""Accounts get an access end: users.access_ends_on, the last day (inclusive) an account may be used.

A leaver's account stayed fully usable (password login, browser sessions, API tokens, surveys) until an
administrator ran `levelpath users deactivate`, although HR had recorded their last day employed
(staff_members.left_on, 5e7c1a9b2d40). From the day after access_ends_on every way in refuses the account
(core.accounts.models.account_usable_on), and learning keeps it at the linked staff record's left_on on every
write (PATCH, the import, linking, unlinking: learning.staff.keep_account_access_in_step). NULL: no end, as every
account had until now. The column lives in core, not learning: core may not import learning, yet checks it.

The upgrade backfills it the way learning keeps it, from the left_on of each account's staff record, so that a
leaver already recorded loses access with this revision rather than at HR's next edit; accounts linked to no
record, or to one still employed, keep NULL. The downgrade drops the column, and leavers can use their accounts
again until deactivated.

Revision ID: c4d8e2a61f07
Revises: 5e7c1a9b2d40
Create Date: 2026-11-27 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4d8e2a61f07'
down_revision: str | None = '5e7c1a9b2d40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode (as bee88f6f3457): on SQLite a batch rebuilds the table, and dropping "users"
# fails while the rows of every table pointing at it exist (SQLite 3.35+ adds and drops a column in place).
def upgrade() -> None:
    op.add_column('users', sa.Column('access_ends_on', sa.Date(), nullable=True))
    op.execute("UPDATE users SET access_ends_on = (SELECT staff_members.left_on FROM staff_members "
               "WHERE staff_members.user_id = users.id) "
               "WHERE id IN (SELECT user_id FROM staff_members WHERE left_on IS NOT NULL)")


def downgrade() -> None:
    op.drop_column('users', 'access_ends_on')
