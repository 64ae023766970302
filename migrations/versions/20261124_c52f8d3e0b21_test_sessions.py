"""Test sessions: sittings of a test with seats, candidates' registrations, a test's admission rules,
and the session an attempt was sat in.

Revision ID: c52f8d3e0b21
Revises: a30d6b1c8f09
Create Date: 2026-11-24 00:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = 'c52f8d3e0b21'
down_revision: str | None = 'a30d6b1c8f09'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('test_admission_rules',
    sa.Column('test_id', sa.Integer(), nullable=False),
    sa.Column('requires_registration', sa.Boolean(), nullable=False),
    sa.Column('self_registration', sa.Boolean(), nullable=False),
    sa.Column('retake_wait_days', sa.Integer(), nullable=True),
    sa.Column('retake_scope', sa.String(length=20), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['test_id'], ['tests.id'], name=op.f('fk_test_admission_rules_test_id_tests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_test_admission_rules_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('test_id', name=op.f('pk_test_admission_rules'))
    )
    op.create_table('test_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('opens_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('registration_closes_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_test_sessions_capacity')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_test_sessions_window')),
    sa.ForeignKeyConstraint(['cancelled_by'], ['users.id'], name=op.f('fk_test_sessions_cancelled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_test_sessions_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['test_id'], ['tests.id'], name=op.f('fk_test_sessions_test_id_tests'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_sessions'))
    )
    with op.batch_alter_table('test_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_test_sessions_test_id_opens_at', ['test_id', 'opens_at'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('registered_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cancelled_by'], ['users.id'], name=op.f('fk_registrations_cancelled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_registrations_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registered_by'], ['users.id'], name=op.f('fk_registrations_registered_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['test_sessions.id'], name=op.f('fk_registrations_session_id_test_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('session_id', 'candidate_id', name=op.f('uq_registrations_session_id_candidate_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_candidate_id'), ['candidate_id'], unique=False)

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('test_session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attempts_test_session_id'), ['test_session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attempts_test_session_id_test_sessions'), 'test_sessions', ['test_session_id'], ['id'], ondelete='RESTRICT')



def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_test_session_id_test_sessions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attempts_test_session_id'))
        batch_op.drop_column('test_session_id')

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_candidate_id'))

    op.drop_table('registrations')
    with op.batch_alter_table('test_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_test_sessions_test_id_opens_at')

    op.drop_table('test_sessions')
    op.drop_table('test_admission_rules')
