"""A login account of a unit is of its staff record's unit, as learning.staff.keep_account_access_in_step keeps it.

Moving a staff record to another unit (PATCH /staff/{id}, the staff import) left its linked account in the old
unit: the old unit's HR still saw the person's levels and certificates and could record certificates for them,
and the new unit's HR could not. Accounts of records moved before are moved now. An account without a unit
(organisation-wide) keeps none, and one linked to no record keeps its unit. The downgrade changes nothing back.

Revision ID: 1859d5b32889
Revises: 5a0d3c9e7b21
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '1859d5b32889'
down_revision: str | None = '5a0d3c9e7b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_UNIT = "SELECT staff_members.unit_id FROM staff_members WHERE staff_members.user_id = users.id"


def upgrade() -> None:
    op.execute(f"UPDATE users SET unit_id = ({RECORD_UNIT}) WHERE unit_id IS NOT NULL AND EXISTS ({RECORD_UNIT}) "
               f"AND unit_id <> ({RECORD_UNIT})")


def downgrade() -> None:
    pass
