"""officials who took part in a meeting; escalations up a level or across

Revision ID: 0018
Revises: 0017

``meeting_participants`` lists, per meeting, the users (or names of people without
an account) who took part for the authorities, so a report counts "lượt cán bộ,
công chức tham gia". ``case_facts`` gains the first escalation up a level and the
first across to a unit of the same level, as new events record them
(``data.escalation``). Escalations recorded before this revision carry no
direction: they still count as escalated, in neither of the two (docs/reports.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_participants_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_meeting_participants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participants")),
        sa.UniqueConstraint("meeting_id", "position", name=op.f("uq_meeting_participants_meeting_id_position")),
    )
    op.create_index(op.f("ix_meeting_participants_meeting_id"), "meeting_participants", ["meeting_id"], unique=False)
    # Plain ALTER TABLE, not a batch copy: case_facts is WITHOUT ROWID on SQLite and
    # large; a nullable column needs no rewrite on either database.
    op.add_column("case_facts", sa.Column("escalated_up_at", engine.models.base.UTCDateTime(timezone=True),
                                          nullable=True))
    op.add_column("case_facts", sa.Column("escalated_across_at", engine.models.base.UTCDateTime(timezone=True),
                                          nullable=True))


def downgrade() -> None:
    # DROP COLUMN is native on PostgreSQL and on SQLite ≥ 3.35 (which keeps WITHOUT ROWID).
    op.execute("ALTER TABLE case_facts DROP COLUMN escalated_across_at")
    op.execute("ALTER TABLE case_facts DROP COLUMN escalated_up_at")
    op.drop_index(op.f("ix_meeting_participants_meeting_id"), table_name="meeting_participants")
    op.drop_table("meeting_participants")
