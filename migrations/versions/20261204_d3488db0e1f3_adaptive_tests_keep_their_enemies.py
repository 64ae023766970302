"""A published adaptive test keeps the enemy pairs between its pool's items: tests.config "published_enemy_pairs".

An adaptive test froze its pool and the items' parameters, but each process read the enemies between its items
from the bank (item_enemies) when it first built the test's engine. Enemies marked after publication applied in
the workers started after that only: two workers disagreed on which items go together, an attempt alternating
between them could be given two enemies, and a restart changed what a published test did.
assessment.test_definitions.publish_test now stores the bank's pairs with the test (item ids, the lower first),
and assessment.adaptive.build_engine reads them from there; a draft has none and reads the bank's.

The upgrade stores, for adaptive tests already published or archived, the pairs the bank holds now: those a
worker started today builds their engines with. The downgrade removes the key from every test, those published
since included (the older code refuses a config key it does not know), and engines read the bank's pairs again.

Revision ID: d3488db0e1f3
Revises: c1d4e8a2f3b6
Create Date: 2026-12-04 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'd3488db0e1f3'
down_revision: str | None = 'c1d4e8a2f3b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = 'published_enemy_pairs'  # assessment.adaptive.PUBLISHED_ENEMY_PAIRS at this revision

tests = sa.table('tests', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('status', sa.String),
                 sa.column('config', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')))
test_items = sa.table('test_items', sa.column('test_id', sa.Integer), sa.column('item_version_id', sa.Integer))
item_versions = sa.table('item_versions', sa.column('id', sa.Integer), sa.column('item_id', sa.Integer))
item_enemies = sa.table('item_enemies', sa.column('item_id', sa.Integer), sa.column('enemy_id', sa.Integer))


def upgrade() -> None:
    bind = op.get_bind()
    published = bind.execute(sa.select(tests.c.id, tests.c.config).where(
        tests.c.kind == 'adaptive', tests.c.status.in_(('published', 'archived'))).order_by(tests.c.id)).all()
    for test_id, config in published:
        pool = (sa.select(item_versions.c.item_id).join(test_items, test_items.c.item_version_id == item_versions.c.id)
                .where(test_items.c.test_id == test_id))
        pairs = bind.execute(sa.select(item_enemies.c.item_id, item_enemies.c.enemy_id)
                             .where(item_enemies.c.item_id.in_(pool), item_enemies.c.enemy_id.in_(pool))
                             .order_by(item_enemies.c.item_id, item_enemies.c.enemy_id)).all()
        bind.execute(tests.update().where(tests.c.id == test_id)
                     .values(config={**(config or {}), KEY: [[first, second] for first, second in pairs]}))


def downgrade() -> None:
    bind = op.get_bind()
    for test_id, config in bind.execute(sa.select(tests.c.id, tests.c.config).where(tests.c.kind == 'adaptive')).all():
        if KEY in (config or {}):
            bind.execute(tests.update().where(tests.c.id == test_id)
                         .values(config={key: value for key, value in config.items() if key != KEY}))
