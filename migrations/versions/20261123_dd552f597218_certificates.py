"""Certificates: serial, what they say, the key that signed their code, revocation.

Revision ID: dd552f597218
Revises: cef0431addfb
Create Date: 2026-11-23 22:10:01.649919
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'dd552f597218'
down_revision: str | None = 'cef0431addfb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('data', core.db.JsonType, nullable=False),
    sa.Column('key_id', sa.String(length=8), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('issued_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_certificates_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_certificates_revoked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_certificates_attempt_id')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_certificates_code_digest')),
    sa.UniqueConstraint('serial', name=op.f('uq_certificates_serial'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_year'))
        batch_op.drop_index(batch_op.f('ix_certificates_user_id'))

    op.drop_table('certificates')
