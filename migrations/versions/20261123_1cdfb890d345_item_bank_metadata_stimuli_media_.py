"""Item bank: metadata, revisions, tags, stimuli, media, enemies, statistics slots; the audit log.

Revision ID: 1cdfb890d345
Revises: 6679441582e2
Create Date: 2026-11-23 21:02:34.201624
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '1cdfb890d345'
down_revision: str | None = '6679441582e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('detail', core.db.JsonType, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('media',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_media_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media'))
    )
    op.create_table('stimuli',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=120), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False, server_default=''),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('max_plays', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stimuli_created_by_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stimuli'))
    )
    with op.batch_alter_table('stimuli', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stimuli_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_stimuli_identifier'), ['identifier'], unique=False)

    op.create_table('item_enemies',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('enemy_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enemy_id'], ['items.id'], name=op.f('fk_item_enemies_enemy_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_enemies_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'enemy_id', name=op.f('pk_item_enemies'))
    )
    with op.batch_alter_table('item_enemies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_enemies_enemy_id'), ['enemy_id'], unique=False)

    op.create_table('item_tags',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_tags_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'tag', name=op.f('pk_item_tags'))
    )
    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_tags_tag'), ['tag'], unique=False)

    op.create_table('item_statistics',
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('exposure_count', sa.Integer(), nullable=False),
    sa.Column('response_count', sa.Integer(), nullable=False),
    sa.Column('p_value', sa.Float(), nullable=True),
    sa.Column('point_biserial', sa.Float(), nullable=True),
    sa.Column('irt_model', sa.String(length=10), nullable=True),
    sa.Column('irt_a', sa.Float(), nullable=True),
    sa.Column('irt_b', sa.Float(), nullable=True),
    sa.Column('irt_c', sa.Float(), nullable=True),
    sa.Column('irt_se_a', sa.Float(), nullable=True),
    sa.Column('irt_se_b', sa.Float(), nullable=True),
    sa.Column('irt_se_c', sa.Float(), nullable=True),
    sa.Column('irt_provisional', sa.Boolean(), nullable=False),
    sa.Column('calibrated_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_statistics_item_version_id_item_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_version_id', name=op.f('pk_item_statistics'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('topic', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('expected_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stimulus_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('preview', sa.String(length=200), nullable=False, server_default=''))
        batch_op.alter_column('skill',
               existing_type=sa.VARCHAR(length=20),
               nullable=True)
        batch_op.alter_column('level',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_items_language'), ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_stimulus_id'), ['stimulus_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_topic'), ['topic'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_items_status_skill_level', ['status', 'skill', 'level', 'id'], unique=False)
        batch_op.create_index('ix_items_skill_level', ['skill', 'level', 'id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_items_identifier'), ['identifier'])
        batch_op.create_foreign_key(batch_op.f('fk_items_stimulus_id_stimuli'), 'stimuli', ['stimulus_id'], ['id'], ondelete='RESTRICT')



def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_stimulus_id_stimuli'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_items_identifier'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_items_updated_at'))
        batch_op.drop_index('ix_items_status_skill_level')
        batch_op.drop_index('ix_items_skill_level')
        batch_op.drop_index(batch_op.f('ix_items_topic'))
        batch_op.drop_index(batch_op.f('ix_items_stimulus_id'))
        batch_op.drop_index(batch_op.f('ix_items_language'))
        batch_op.alter_column('level',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('skill',
               existing_type=sa.VARCHAR(length=20),
               nullable=False)
        batch_op.drop_column('search_text')
        batch_op.drop_column('preview')
        batch_op.drop_column('revision')
        batch_op.drop_column('stimulus_id')
        batch_op.drop_column('expected_seconds')
        batch_op.drop_column('source')
        batch_op.drop_column('category')
        batch_op.drop_column('topic')
        batch_op.drop_column('title')
        batch_op.drop_column('identifier')

    op.drop_table('item_statistics')
    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_tags_tag'))

    op.drop_table('item_tags')
    with op.batch_alter_table('item_enemies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_enemies_enemy_id'))

    op.drop_table('item_enemies')
    with op.batch_alter_table('stimuli', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stimuli_identifier'))
        batch_op.drop_index(batch_op.f('ix_stimuli_content_hash'))

    op.drop_table('stimuli')
    op.drop_table('media')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
