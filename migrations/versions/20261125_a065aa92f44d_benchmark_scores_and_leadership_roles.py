"""Benchmark scripts' agreed scores become exact, and stored leadership roles move onto the ladder.

1. ``rating_benchmarks.agreed_score`` was a binary float; it is now exact text as every other rating score is
   (531a6c1dc928): "6.5", or "17/3" where no decimal is exact. An agreed score was typed (any number on 0-10),
   so unlike a rater's score it need not be a mean of 0.5-grid criteria, and rounding every one to the nearest
   1/10080 would turn a typed 5.33 into 53726/10080. So: a stored float within float noise (1e-9 of a step) of
   a multiple of 1/10080 is that multiple, exactly as in 531a6c1dc928 (a mean of 5, 6 and 6 stored as
   5.666666666666667 becomes 17/3; the nearest other multiple is 1e-4 away); any other is the decimal it was
   typed as, its shortest repr (5.33). Either way it rounds onto the 0.5 grid as before, so no rater's
   agreement statistics move. Downgrade: back to the nearest float.

2. ``staff_members.leadership_role`` values stored before roles were checked (e.g. "Trưởng phòng", "trưởng_phòng",
   "truong phong") are matched as learning.leadership_roles matches new ones (case, diacritics, spaces,
   hyphens and underscores aside) against the ladder and its Vietnamese titles in targets.yaml, frozen here as
   they are today, and become that rung (division_head), so the compliance cohorts that count leaders
   (leadership_role_from) see them. A blank value becomes NULL (no role). A value that names no rung is kept
   as HR wrote it: guessing a rung would put someone in, or out of, the focus group on a guess, and dropping it
   would lose the only record of it. It counts in no leadership cohort (as before), the compliance report lists
   each such person under ``unrecognised_leadership_roles`` (people of the report's units and scope) so HR can
   correct it (PATCH /staff/{id} checks the new value), and the migration logs how many it left. Downgrade
   keeps the rungs: they were valid values before, and the spelling they replaced named the same rung.

Revision ID: a065aa92f44d
Revises: 3c2208a63255
Create Date: 2026-11-25 10:00:00
"""
import logging
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

import sqlalchemy as sa
from alembic import op

revision: str = 'a065aa92f44d'
down_revision: str | None = '3c2208a63255'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

SCORE_GRID = 10080  # every mean of rubric scores is a whole multiple of 1 / SCORE_GRID (531a6c1dc928)
ON_GRID = 1e-9  # in steps of the grid: a float's error there is ~1.5e-11, a typed decimal of <= 11 places is further

# targets.yaml's leadership_roles and leadership_role_aliases as of this migration (rung: its titles).
LADDER = {
    'deputy_division_head': ('Phó trưởng phòng',),
    'division_head': ('Trưởng phòng',),
    'deputy_department_head': ('Phó trưởng ban', 'Phó vụ trưởng', 'Phó chánh văn phòng'),
    'department_head': ('Trưởng ban', 'Vụ trưởng', 'Chánh văn phòng'),
    'vice_president': ('Phó chủ tịch',),
    'president': ('Chủ tịch',),
}


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


def _exact_agreed(stored: float) -> str:
    steps = round(stored * SCORE_GRID)
    if abs(stored * SCORE_GRID - steps) <= ON_GRID:
        return _text(Fraction(steps, SCORE_GRID))
    return _text(Fraction(repr(stored)))


def _folded(text: str) -> str:
    """As learning.leadership_roles folds a title (frozen here with the migration)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(ch))
    return re.sub(r"[\s_-]+", "_", bare.replace("đ", "d")).strip("_")


def _rung_of() -> dict[str, str]:
    rungs = {_folded(role): role for role in LADDER}
    for role, titles in LADDER.items():
        rungs.update({_folded(title): role for title in titles})
    return rungs


def _retype_agreed_scores(convert, old_type, new_type, cast: str) -> None:
    """Read every agreed score, empty the column (NOT NULL for the while: "17/3" casts to no float), change its
    type, write the scores back converted, and make it NOT NULL again."""
    bind = op.get_bind()
    table = sa.table('rating_benchmarks', sa.column('id', sa.Integer), sa.column('agreed_score', old_type))
    values = bind.execute(sa.select(table.c.id, table.c.agreed_score)).all()
    with op.batch_alter_table('rating_benchmarks') as batch:
        batch.alter_column('agreed_score', existing_type=old_type, nullable=True)
    bind.execute(table.update().values(agreed_score=None))
    with op.batch_alter_table('rating_benchmarks') as batch:
        batch.alter_column('agreed_score', existing_type=old_type, type_=new_type, existing_nullable=True,
                           postgresql_using=f"agreed_score::{cast}")
    if values:
        table = sa.table('rating_benchmarks', sa.column('id', sa.Integer), sa.column('agreed_score', new_type))
        bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                     .values(agreed_score=sa.bindparam('row_value')),
                     [{'row_id': row_id, 'row_value': convert(value)} for row_id, value in values])
    with op.batch_alter_table('rating_benchmarks') as batch:
        batch.alter_column('agreed_score', existing_type=new_type, nullable=False)


def _roles_onto_the_ladder() -> None:
    bind = op.get_bind()
    staff = sa.table('staff_members', sa.column('leadership_role', sa.String(40)))
    stored = bind.execute(sa.select(staff.c.leadership_role).distinct()
                          .where(staff.c.leadership_role.is_not(None))).scalars().all()
    rung_of, unknown = _rung_of(), []
    for value in stored:
        rung = None if not value.strip() else rung_of.get(_folded(value))
        if rung is None and value.strip():
            unknown.append(value)
        elif rung != value:
            bind.execute(staff.update().where(staff.c.leadership_role == value).values(leadership_role=rung))
    if unknown:
        log.warning("staff_members: %d leadership_role value(s) name no rung of the ladder and are kept as they "
                    "are (the compliance report lists the people): %s", len(unknown), ", ".join(map(repr, unknown)))


def upgrade() -> None:
    _retype_agreed_scores(_exact_agreed, sa.Float(), sa.String(length=40), 'varchar(40)')
    _roles_onto_the_ladder()


def downgrade() -> None:
    _retype_agreed_scores(lambda text: float(Fraction(text)), sa.String(length=40), sa.Float(), 'double precision')
