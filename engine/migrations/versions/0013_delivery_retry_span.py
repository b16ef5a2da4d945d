"""deliveries: a retry span instead of an attempt count; admins told of dead letters; requeues recorded

Revision ID: 0013
Revises: 0012

``retry_until`` is when a failing delivery stops being retried (set at its first
attempt from ``NGHEDAN_RETRY_SPAN_SECONDS``); rows in flight at the upgrade get theirs
at their next attempt. ``dead_notice_id`` names the admins' inbox notice that told of
a dead delivery: dead rows already there have none, so the first pass after the
upgrade tells the admins of them, once. ``requeues``/``requeued_at`` record
`nghedan notify retry`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_until", engine.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dead_notice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requeues", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("requeued_at", engine.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_deliveries_dead_notice_id"), ["dead_notice_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_dead_notice_id"))
        batch_op.drop_column("requeued_at")
        batch_op.drop_column("requeues")
        batch_op.drop_column("dead_notice_id")
        batch_op.drop_column("retry_until")
