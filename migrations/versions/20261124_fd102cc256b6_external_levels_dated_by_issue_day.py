"""A verified outside certificate's level dates from the certificate's issue day, not from its verification.

Levels already stored took the moment HR verified them (the certificate keeps that in verified_at); they
now take 00:00 UTC on the issue day (07:00 in Vietnam: the issue day on either calendar), as new ones do.

Revision ID: fd102cc256b6
Revises: fb83a0601acc
Create Date: 2026-11-24 08:40:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'fd102cc256b6'
down_revision: str | None = 'fb83a0601acc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

levels = sa.table('assessed_levels', sa.column('id', sa.Integer), sa.column('external_certificate_id', sa.Integer),
                  sa.column('awarded_at', core.db.UtcDateTime(timezone=True)))
certificates = sa.table('external_certificates', sa.column('id', sa.Integer), sa.column('issued_on', sa.Date),
                        sa.column('verified_at', core.db.UtcDateTime(timezone=True)))


def _date_levels(moment) -> None:
    """Set each external level's awarded_at to ``moment(certificate)`` of the certificate it comes from."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(levels.c.id, certificates.c.issued_on, certificates.c.verified_at)
                        .join(certificates, certificates.c.id == levels.c.external_certificate_id)).all()
    for level_id, issued_on, verified_at in rows:
        awarded_at = moment(issued_on, verified_at)
        if awarded_at is not None:
            bind.execute(levels.update().where(levels.c.id == level_id).values(awarded_at=awarded_at))


def upgrade() -> None:
    _date_levels(lambda issued_on, _verified_at: datetime.combine(issued_on, time(0), tzinfo=UTC))


def downgrade() -> None:
    _date_levels(lambda _issued_on, verified_at: verified_at)
