"""calendar recomputation: who added an override, built-in calendar fingerprints, changes in progress

Revision ID: 0016
Revises: 0015

Open deadlines follow calendar corrections. ``calendar_overrides`` records who added
each row and when; ``calendar_fingerprints`` keeps per year the built-in holidays
the deadlines were computed with; ``calendar_changes`` holds a recomputation's
progress, so one interrupted between batches resumes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_by", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("added_at", engine.models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "calendar_fingerprints",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("source_version", sa.String(length=64), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("checked_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_fingerprints")),
    )
    op.create_table(
        "calendar_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("started_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_changes")),
    )


def downgrade() -> None:
    op.drop_table("calendar_changes")
    op.drop_table("calendar_fingerprints")
    with op.batch_alter_table("calendar_overrides", schema=None) as batch_op:
        batch_op.drop_column("added_at")
        batch_op.drop_column("added_by")
