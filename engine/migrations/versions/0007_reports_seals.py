"""report facts and daily seals

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-23 10:00:00

``case_facts``: the per-case projection of the history that periodic reports
aggregate (kept in step by a hook on case events; filled here from the events
already recorded). ``daily_seals``: the root hash over every case chain's head at
the end of each day. Branches from 0002 like the other issues' migrations; the
lead merges the heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base


revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("origin_unit_id", sa.Integer(), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("on_site_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("met_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extended_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("missed_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("satisfaction_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_facts_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["origin_unit_id"], ["units.id"], name=op.f("fk_case_facts_origin_unit_id_units")),
        sa.PrimaryKeyConstraint("origin_unit_id", "received_month", "topic", "workflow_key", "case_id",
                                name=op.f("pk_case_facts")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_facts_case_id")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_seals")),
        sa.UniqueConstraint("day", name=op.f("uq_daily_seals_day")),
    )
    # Cases recorded before this revision: their facts come from their histories.
    from engine.reports.facts import rebuild_facts

    rebuild_facts(op.get_bind())


def downgrade() -> None:
    op.drop_table("daily_seals")
    op.drop_table("case_facts")
