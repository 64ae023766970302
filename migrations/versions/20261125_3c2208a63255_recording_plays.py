"""Plays of recordings in attempts: a recording's play limit (max_plays) is held by the server.

Each row is one play of a stimulus's recording in an attempt, numbered per attempt and stimulus (the
unique constraint keeps a number from being taken twice), with the hash of the token its URL streams
through and when that play expires, and the client's Idempotency-Key (a retried request gets its play
again instead of using up another). A new table: no existing data changes.

Revision ID: 3c2208a63255
Revises: 8d85b935d5c0
Create Date: 2026-11-25 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '3c2208a63255'
down_revision: str | None = '8d85b935d5c0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('recording_plays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('stimulus_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('section', sa.Integer(), nullable=True),
    sa.Column('started_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_recording_plays_attempt_id_attempts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stimulus_id'], ['stimuli.id'], name=op.f('fk_recording_plays_stimulus_id_stimuli'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_plays')),
    sa.UniqueConstraint('attempt_id', 'stimulus_id', 'number',
                        name=op.f('uq_recording_plays_attempt_id_stimulus_id_number')),
    sa.UniqueConstraint('attempt_id', 'idempotency_key', name=op.f('uq_recording_plays_attempt_id_idempotency_key')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_recording_plays_token_hash'))
    )
    op.create_index(op.f('ix_recording_plays_stimulus_id'), 'recording_plays', ['stimulus_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_recording_plays_stimulus_id'), table_name='recording_plays')
    op.drop_table('recording_plays')
