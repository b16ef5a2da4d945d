"""idempotency keys for every keyed write, not only a meeting's intake

Revision ID: 0015
Revises: 0013

A key now also stands for a new case, a remark or a workflow action sent with
``Idempotency-Key``: those rows have no meeting and keep the first answer instead
(``answer``, JSON). Downgrading forgets those keys (their requests are done; only
the replay protection of the last day goes) and keeps every meeting's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("answer", sa.JSON(), nullable=True))


def downgrade() -> None:
    keys = sa.table("idempotency_keys", sa.column("meeting_id", sa.Integer()))
    op.execute(keys.delete().where(keys.c.meeting_id.is_(None)))
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("answer")
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=False)
