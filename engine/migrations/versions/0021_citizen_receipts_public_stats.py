"""the PIN printed on a case's receipt, hashed; the public statistics' monthly roll-up

Revision ID: 0021
Revises: 0020

``receipt_pins`` holds, per case, the hash of the PIN printed on its latest receipt
(phiếu tiếp nhận); with it the citizen rates the answer and asks for a re-check on
the tracking page. Guesses are counted in ``rate_counters`` (keys ``pin:…``), which
exists already. ``public_stats`` is the monthly roll-up per origin unit the public
statistics page reads, refreshed by the worker from ``case_facts`` up to the event
in ``public_stats_watermark`` (empty after the upgrade: the first refresh fills it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Written out, not imported: a migration must not change when the model does.
FIGURES = ("received", "on_site", "transferred", "resolved", "on_time", "late", "extended", "satisfied",
           "not_satisfied")


def upgrade() -> None:
    op.create_table(
        "receipt_pins",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("issued_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_receipt_pins_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_receipt_pins_issued_by_id_users")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_receipt_pins")),
    )


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


def downgrade() -> None:
    op.drop_table("public_stats_watermark")
    op.drop_table("public_stats")
    op.drop_table("receipt_pins")
