"""report roll-ups per unit subtree (report_rollups, report_rollup_deadlines), filled
from the facts and the history; case_facts gets an index on the opinions resolved
after they were first closed otherwise (the carried-over figures read them)

Revision ID: 0027
Revises: 0026

The roll-up is derived data: the upgrade folds every case in batches
(``engine.models.rollups.fold``), the downgrade drops it and loses nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_TS = engine.models.base.UTCDateTime(timezone=True)
COUNTERS = ("received", "on_site", "escalated", "up", "across", "across_up", "resolved", "closed",
            "closed_resolved", "late", "ext", "ext_late", "satisfied", "not_satisfied", "overdue_on", "overdue_off")


def upgrade() -> None:
    op.create_table(
        "report_rollups",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
        sa.PrimaryKeyConstraint("unit_id", "grain", "received_month", "bucket", "topic", "workflow_key",
                                name=op.f("pk_report_rollups")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_rollup_deadlines",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("overdue_from", _TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_report_rollup_deadlines_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_report_rollup_deadlines")),
    )
    op.create_index("ix_case_facts_reopened", "case_facts", ["resolved_at"],
                    sqlite_where=sa.text("closed_at < resolved_at"),
                    postgresql_where=sa.text("closed_at < resolved_at"))
    from engine.models.rollups import fold

    fold(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_case_facts_reopened", table_name="case_facts")
    op.drop_table("report_rollup_deadlines")
    op.drop_table("report_rollups")
