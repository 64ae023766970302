"""Rating: rubric versions, raters' assignments, rated responses and benchmark scripts.

Revision ID: f83d5e6a7b24
Revises: b41e7c2d9a10
Create Date: 2026-11-24 00:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'f83d5e6a7b24'
down_revision: str | None = 'b41e7c2d9a10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rubrics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('skill', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('criteria', core.db.JsonType, nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', core.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_rubrics_created_by_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rubrics')),
        sa.UniqueConstraint('code', 'version', name=op.f('uq_rubrics_code_version')),
    )
    op.create_index(op.f('ix_rubrics_code'), 'rubrics', ['code'], unique=False)
    op.create_table(
        'rating_benchmarks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_version_id', sa.Integer(), nullable=False),
        sa.Column('answer', core.db.JsonType, nullable=False),
        sa.Column('agreed_score', sa.Float(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', core.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_rating_benchmarks_created_by_users'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'],
                                name=op.f('fk_rating_benchmarks_item_version_id_item_versions'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_benchmarks')),
    )
    op.create_table(
        'rating_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.Column('benchmark_id', sa.Integer(), nullable=True),
        sa.Column('rater_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('rubric_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('assigned_at', core.db.UtcDateTime(), nullable=False),
        sa.Column('due_at', core.db.UtcDateTime(), nullable=False),
        sa.Column('submitted_at', core.db.UtcDateTime(), nullable=True),
        sa.Column('criteria', core.db.JsonType, nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['benchmark_id'], ['rating_benchmarks.id'],
                                name=op.f('fk_rating_assignments_benchmark_id_rating_benchmarks'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_rating_assignments_rater_id_users'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_rating_assignments_response_id_responses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_rating_assignments_rubric_id_rubrics'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_assignments')),
        sa.UniqueConstraint('benchmark_id', 'rater_id', name=op.f('uq_rating_assignments_benchmark_id_rater_id')),
        sa.UniqueConstraint('response_id', 'rater_id', name=op.f('uq_rating_assignments_response_id_rater_id')),
    )
    op.create_index(op.f('ix_rating_assignments_due_at'), 'rating_assignments', ['due_at'], unique=False)
    op.create_index(op.f('ix_rating_assignments_rater_id'), 'rating_assignments', ['rater_id'], unique=False)
    op.create_index(op.f('ix_rating_assignments_response_id'), 'rating_assignments', ['response_id'], unique=False)
    op.create_index(op.f('ix_rating_assignments_status'), 'rating_assignments', ['status'], unique=False)
    op.create_table(
        'rated_responses',
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('final_score', sa.Float(), nullable=True),
        sa.Column('rule', sa.String(length=40), nullable=True),
        sa.Column('finalised_at', core.db.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_rated_responses_attempt_id_attempts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_rated_responses_response_id_responses'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('response_id', name=op.f('pk_rated_responses')),
    )
    op.create_index(op.f('ix_rated_responses_attempt_id'), 'rated_responses', ['attempt_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rated_responses_attempt_id'), table_name='rated_responses')
    op.drop_table('rated_responses')
    for index in ('status', 'response_id', 'rater_id', 'due_at'):
        op.drop_index(op.f(f'ix_rating_assignments_{index}'), table_name='rating_assignments')
    op.drop_table('rating_assignments')
    op.drop_table('rating_benchmarks')
    op.drop_index(op.f('ix_rubrics_code'), table_name='rubrics')
    op.drop_table('rubrics')
