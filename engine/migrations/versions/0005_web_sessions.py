"""web sessions, attempts, form nonces

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-21 20:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('web_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_attempts'))
    )
    with op.batch_alter_table('web_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_attempts_at'), ['at'], unique=False)
        batch_op.create_index('ix_web_attempts_kind_ip_at', ['kind', 'ip', 'at'], unique=False)
        batch_op.create_index('ix_web_attempts_kind_subject_at', ['kind', 'subject', 'at'], unique=False)

    op.create_table('web_form_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_web_form_nonces_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_form_nonces_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_web_form_nonces'))
    )
    with op.batch_alter_table('web_form_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_form_nonces_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_form_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_form_nonces_created_at'))
    op.drop_table('web_form_nonces')
    with op.batch_alter_table('web_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_web_attempts_kind_subject_at')
        batch_op.drop_index('ix_web_attempts_kind_ip_at')
        batch_op.drop_index(batch_op.f('ix_web_attempts_at'))
    op.drop_table('web_attempts')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))
    op.drop_table('web_sessions')
