"""Certificates issued elsewhere: what HR recorded, its conversion as made, its document and decisions;
assessed levels may rest on one (basis "external").

Revision ID: b41e7c2d9a10
Revises: c52f8d3e0b21
Create Date: 2026-11-24 00:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'b41e7c2d9a10'
down_revision: str | None = 'c52f8d3e0b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('external_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('certificate_number', sa.String(length=80), nullable=False),
    sa.Column('number_key', sa.String(length=80), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('score', core.db.JsonType, nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('converted_on', sa.Date(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('cefr', sa.String(length=8), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('level_basis', sa.String(length=20), nullable=True),
    sa.Column('conversion_rule', sa.String(length=80), nullable=False),
    sa.Column('regulation_id', sa.String(length=40), nullable=False),
    sa.Column('regulation_citation', sa.String(length=300), nullable=False),
    sa.Column('conversion_explanation', sa.Text(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('rejected_by', sa.Integer(), nullable=True),
    sa.Column('rejected_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['document_sha256'], ['media.sha256'], name=op.f('fk_external_certificates_document_sha256_media'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_external_certificates_holder_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_external_certificates_recorded_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rejected_by'], ['users.id'], name=op.f('fk_external_certificates_rejected_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_external_certificates_revoked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_external_certificates_verified_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_certificates'))
    )
    with op.batch_alter_table('external_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_certificates_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_certificates_status'), ['status'], unique=False)
        batch_op.create_index('uq_external_certificates_active_number', ['holder_id', 'kind', 'number_key'], unique=True, sqlite_where=sa.text("status IN ('recorded', 'verified')"), postgresql_where=sa.text("status IN ('recorded', 'verified')"))

    with op.batch_alter_table('assessed_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_certificate_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_assessed_levels_external_certificate_id'), ['external_certificate_id'])
        batch_op.create_foreign_key('fk_assessed_levels_external_certificate', 'external_certificates', ['external_certificate_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('assessed_levels', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assessed_levels_external_certificate', type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_assessed_levels_external_certificate_id'), type_='unique')
        batch_op.drop_column('external_certificate_id')

    with op.batch_alter_table('external_certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_external_certificates_active_number', sqlite_where=sa.text("status IN ('recorded', 'verified')"), postgresql_where=sa.text("status IN ('recorded', 'verified')"))
        batch_op.drop_index(batch_op.f('ix_external_certificates_status'))
        batch_op.drop_index(batch_op.f('ix_external_certificates_holder_id'))

    op.drop_table('external_certificates')
