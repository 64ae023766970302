"""Raters' scores and answers' final scores are kept exact, as text: "5.7", or "17/3" where no decimal is exact.

They were binary floats: the mean of 5.6 and 5.8 was stored as 5.699999999999999, and a speaking mean of
5.25 rounded down to 5.0. Every stored score is a mean of 0.5-grid criteria (a rubric has at most 10) or the
mean of two such means, so it is a whole multiple of 1/10080 (10080 = 4 x lcm(1..10)); a stored float is
within 1e-14 of it, far nearer than half a step, so rounding to the nearest 1/10080 gives back the exact score.

Revision ID: 531a6c1dc928
Revises: 30455eb0ca0c
Create Date: 2026-11-24 09:30:00
"""
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

import sqlalchemy as sa
from alembic import op

revision: str = '531a6c1dc928'
down_revision: str | None = '30455eb0ca0c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_GRID = 10080  # every rating score is a whole multiple of 1 / SCORE_GRID (see above)
COLUMNS = (('rating_assignments', 'id', 'score'), ('rated_responses', 'response_id', 'final_score'))


def _text(value: Fraction) -> str:
    """As assessment.rating.models.score_text writes it (frozen here with the migration)."""
    rest = value.denominator
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest != 1:
        return f"{value.numerator}/{value.denominator}"
    with localcontext() as context:
        context.prec = 60
        return format((Decimal(value.numerator) / value.denominator).normalize(), "f")


def _exact(stored: float) -> str:
    return _text(Fraction(round(stored * SCORE_GRID), SCORE_GRID))


def _retype(table_name: str, key: str, column: str, convert, old_type, new_type, cast: str) -> None:
    """Read the column's values, empty it, change its type, and write the values back converted."""
    bind = op.get_bind()
    table = sa.table(table_name, sa.column(key, sa.Integer), sa.column(column, old_type))
    values = bind.execute(sa.select(table.c[key], table.c[column]).where(table.c[column].is_not(None))).all()
    bind.execute(table.update().values({column: None}))
    with op.batch_alter_table(table_name) as batch:
        batch.alter_column(column, existing_type=old_type, type_=new_type, existing_nullable=True,
                           postgresql_using=f"{column}::{cast}")
    if values:
        table = sa.table(table_name, sa.column(key, sa.Integer), sa.column(column, new_type))
        bind.execute(table.update().where(table.c[key] == sa.bindparam('row_key'))
                     .values({column: sa.bindparam('row_value')}),
                     [{'row_key': row_key, 'row_value': convert(value)} for row_key, value in values])


def upgrade() -> None:
    for table_name, key, column in COLUMNS:
        _retype(table_name, key, column, _exact, sa.Float(), sa.String(length=40), 'varchar(40)')


def downgrade() -> None:
    for table_name, key, column in COLUMNS:
        _retype(table_name, key, column, lambda text: float(Fraction(text)), sa.String(length=40), sa.Float(),
                'double precision')
