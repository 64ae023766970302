"""External certificate numbers recorded in full-width characters get the key they have now (NFKC).

Since e0b5aae a number's key is taken after NFKC, so "２２ＶＮ０００１ＡＢ" and "22VN0001AB" are one certificate.
Numbers recorded before kept a key of their full-width characters: the same number typed plainly was not found
to be a duplicate. Their keys are rewritten. Where the holder already holds an active certificate of that kind
under the new key, or the new key would outgrow its column, the row keeps its old key: two records that stood
side by side are not merged or refused by a migration (HR sees and settles them).

Revision ID: 4e7a1c9b2d50
Revises: cca80397fdd7
Create Date: 2026-12-03 09:00:00
"""
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4e7a1c9b2d50'
down_revision: str | None = 'cca80397fdd7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_LENGTH = 80  # the column's length
ACTIVE = ('recorded', 'verified')  # the statuses the unique index on (holder, kind, key) covers

certificates = sa.table('external_certificates', sa.column('id', sa.Integer), sa.column('holder_id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('certificate_number', sa.String),
                        sa.column('number_key', sa.String), sa.column('status', sa.String))


def _key(number: str) -> str:
    """The key as assessment.external_certificates.services.number_key takes it at this revision."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", number)).upper()


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(certificates).order_by(certificates.c.id)).all()
    held = {(row.holder_id, row.kind, row.number_key) for row in rows if row.status in ACTIVE}
    for row in rows:
        key = _key(row.certificate_number)
        if key == row.number_key or len(key) > KEY_LENGTH:
            continue
        if row.status in ACTIVE:
            if (row.holder_id, row.kind, key) in held:
                continue
            held.discard((row.holder_id, row.kind, row.number_key))
            held.add((row.holder_id, row.kind, key))
        bind.execute(certificates.update().where(certificates.c.id == row.id).values(number_key=key))


def downgrade() -> None:
    """Nothing to undo: the older code compares keys as they are, and a rewritten key is the number's own."""
