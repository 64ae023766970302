"""Every Idempotency-Key a fixed or sectioned test's answers were saved with, so a late retry replays.

Until now only the latest key of each answer was kept (on its response): those keys are copied over, with
the position and a fingerprint of the answer they saved.

Revision ID: fb83a0601acc
Revises: 3f8a6c2e9d41
Create Date: 2026-11-24 08:30:00
"""
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'fb83a0601acc'
down_revision: str | None = '3f8a6c2e9d41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fingerprint(answer: object) -> str:
    # As assessment.answer_requests.answer_fingerprint does it today (a migration keeps its own copy).
    return hashlib.sha256(json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def upgrade() -> None:
    requests = op.create_table('answer_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answer_sha256', sa.String(length=64), nullable=False),
    sa.Column('saved_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_answer_requests_attempt_id_attempts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_requests')),
    sa.UniqueConstraint('attempt_id', 'idempotency_key', name=op.f('uq_answer_requests_attempt_id_idempotency_key'))
    )
    op.create_index('ix_answer_requests_attempt_position', 'answer_requests', ['attempt_id', 'position'],
                    unique=False)

    responses = sa.table('responses', sa.column('attempt_id', sa.Integer), sa.column('item_version_id', sa.Integer),
                         sa.column('answer', core.db.JsonType), sa.column('idempotency_key', sa.String),
                         sa.column('answered_at', core.db.UtcDateTime(timezone=True)))
    attempts = sa.table('attempts', sa.column('id', sa.Integer), sa.column('test_id', sa.Integer))
    tests = sa.table('tests', sa.column('id', sa.Integer), sa.column('kind', sa.String))
    entries = sa.table('test_items', sa.column('test_id', sa.Integer), sa.column('position', sa.Integer),
                       sa.column('item_version_id', sa.Integer))
    keyed = (sa.select(responses.c.attempt_id, responses.c.idempotency_key, entries.c.position, responses.c.answer,
                       responses.c.answered_at)
             .join(attempts, attempts.c.id == responses.c.attempt_id)
             .join(tests, tests.c.id == attempts.c.test_id)
             .join(entries, sa.and_(entries.c.test_id == attempts.c.test_id,
                                    entries.c.item_version_id == responses.c.item_version_id))
             .where(responses.c.idempotency_key.is_not(None), tests.c.kind != 'adaptive'))
    rows = [{"attempt_id": attempt_id, "idempotency_key": key, "position": position,
             "answer_sha256": _fingerprint(answer), "saved_at": answered_at}
            for attempt_id, key, position, answer, answered_at in op.get_bind().execute(keyed)]
    if rows:
        op.bulk_insert(requests, rows)


def downgrade() -> None:
    op.drop_index('ix_answer_requests_attempt_position', table_name='answer_requests')
    op.drop_table('answer_requests')
