"""Accounts without a unit that are linked to a staff record take the record's unit, HR accounts apart.

Only an HR account's unit is a scope (organisation-wide HR has none). Any other account linked without one kept
none, so its unit's HR saw the person in the staff list and the compliance report but not their levels or
external certificates. learning.staff.keep_account_access_in_step now gives such an account its record's unit
whenever it is linked or its record moves; this gives it to those linked before. The downgrade leaves the units:
the older code keeps whatever unit an account has.

Revision ID: 8b2f5d1e3c47
Revises: 4e7a1c9b2d50
Create Date: 2026-12-03 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8b2f5d1e3c47'
down_revision: str | None = '4e7a1c9b2d50'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('unit_id', sa.Integer), sa.column('roles', sa.JSON))
staff = sa.table('staff_members', sa.column('user_id', sa.Integer), sa.column('unit_id', sa.Integer))


def upgrade() -> None:
    bind = op.get_bind()
    linked = bind.execute(sa.select(users.c.id, users.c.roles, staff.c.unit_id)
                          .join(staff, staff.c.user_id == users.c.id).where(users.c.unit_id.is_(None))).all()
    for account_id, roles, unit_id in linked:
        if "hr" not in (roles or []):
            bind.execute(users.update().where(users.c.id == account_id).values(unit_id=unit_id))


def downgrade() -> None:
    """Nothing to undo: the older code keeps an account's unit as it is."""
