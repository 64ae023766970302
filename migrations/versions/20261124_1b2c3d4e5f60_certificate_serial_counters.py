"""Certificate serials from a per-year counter row, so certificates issued at once never collide.

Revision ID: 1b2c3d4e5f60
Revises: 0a9b8c7d6e5f
Create Date: 2026-11-24 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1b2c3d4e5f60'
down_revision: str | None = '0a9b8c7d6e5f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'certificate_serial_counters',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_certificate_serial_counters')),
    )
    # Carry on from the certificates already issued.
    op.execute("INSERT INTO certificate_serial_counters (year, last) "
               "SELECT year, MAX(sequence) FROM certificates GROUP BY year")


def downgrade() -> None:
    op.drop_table('certificate_serial_counters')
