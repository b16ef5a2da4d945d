"""timers and deadline stages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:00:00

The timers table (one row per case, rule and stage) and the case's stage pointer
and frozen outcome of its last deadline. Branches from 0002 like the other issues'
migrations; the lead merges the heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('stage_seq', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('due_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_timers_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers')),
    sa.UniqueConstraint('case_id', 'rule', 'stage_seq', name=op.f('uq_timers_case_id_rule_stage_seq'))
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_status_due', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_stage_outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('last_stage_state', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_stage_ended_at', engine.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('last_stage_ended_at')
        batch_op.drop_column('last_stage_state')
        batch_op.drop_column('last_stage_outcome')
        batch_op.drop_column('stage_seq')

    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_status_due')

    op.drop_table('timers')
