"""the public statistics read the report roll-ups: public_stats and its watermark go

Revision ID: 0029
Revises: 0028

``public_stats`` was a monthly copy per origin unit that the worker refreshed behind
``public_stats_watermark``; the page now sums ``report_rollups`` (exact in the event's
own transaction, migration 0027), so both tables are derived data nothing reads. The
downgrade recreates them empty, as migration 0021 made them: the old worker's first
refresh fills them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# Written out, not imported: a migration must not change when the code does.
FIGURES = ("received", "on_site", "transferred", "resolved", "on_time", "late", "extended", "satisfied",
           "not_satisfied")


def upgrade() -> None:
    op.drop_table("public_stats_watermark")
    op.drop_table("public_stats")


def downgrade() -> None:
    op.create_table(
        "public_stats",
        sa.Column("origin_unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES],
        sa.ForeignKeyConstraint(["origin_unit_id"], ["units.id"], name=op.f("fk_public_stats_origin_unit_id_units")),
        sa.PrimaryKeyConstraint("origin_unit_id", "month", name=op.f("pk_public_stats")),
    )
    op.create_table(
        "public_stats_watermark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_stats_watermark")),
    )
