"""support activities, each commune's fund ledger, home visits

Revision ID: 0020
Revises: 0019

"Làm dân tin" and "Mỗi tuần một điểm đến" (engine.models.support). New tables only:
downgrading drops them, with their rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("participations", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Integer(), nullable=False),
        sa.Column("houses", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("beneficiaries", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_support_activities_unit_id_units")),
        sa.ForeignKeyConstraint(["commune_id"], ["units.id"], name=op.f("fk_support_activities_commune_id_units")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_support_activities_meeting_id_meetings")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_support_activities_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_activities")),
    )
    op.create_index("ix_support_activities_unit_on", "support_activities", ["unit_id", "held_on"])
    op.create_index(op.f("ix_support_activities_commune_id"), "support_activities", ["commune_id"])
    op.create_index(op.f("ix_support_activities_meeting_id"), "support_activities", ["meeting_id"])
    op.create_table(
        "fund_ledgers",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["units.id"], name=op.f("fk_fund_ledgers_commune_id_units")),
        sa.PrimaryKeyConstraint("commune_id", name=op.f("pk_fund_ledgers")),
    )
    op.create_table(
        "fund_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("donor", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["units.id"], name=op.f("fk_fund_entries_commune_id_units")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_fund_entries_meeting_id_meetings")),
        sa.ForeignKeyConstraint(["activity_id"], ["support_activities.id"],
                                name=op.f("fk_fund_entries_activity_id_support_activities")),
        sa.ForeignKeyConstraint(["reverses_id"], ["fund_entries.id"], name=op.f("fk_fund_entries_reverses_id_fund_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_entries")),
        sa.UniqueConstraint("commune_id", "seq", name=op.f("uq_fund_entries_commune_id_seq")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_fund_entries_reverses_id")),
    )
    op.create_index("ix_fund_entries_commune_on", "fund_entries", ["commune_id", "on_date"])
    op.create_table(
        "home_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("households_by_category", sa.JSON(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("officials", sa.JSON(), nullable=False),
        sa.Column("official_count", sa.Integer(), nullable=False),
        sa.Column("opinion_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["village_id"], ["units.id"], name=op.f("fk_home_visits_village_id_units")),
        sa.ForeignKeyConstraint(["commune_id"], ["units.id"], name=op.f("fk_home_visits_commune_id_units")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_home_visits_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_visits")),
    )
    op.create_index("ix_home_visits_village_on", "home_visits", ["village_id", "visited_on"])
    op.create_index(op.f("ix_home_visits_commune_id"), "home_visits", ["commune_id"])
    op.create_table(
        "home_visit_cases",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["home_visits.id"], name=op.f("fk_home_visit_cases_visit_id_home_visits")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_home_visit_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("visit_id", "case_id", name=op.f("pk_home_visit_cases")),
    )


def downgrade() -> None:
    op.drop_table("home_visit_cases")
    op.drop_index(op.f("ix_home_visits_commune_id"), table_name="home_visits")
    op.drop_index("ix_home_visits_village_on", table_name="home_visits")
    op.drop_table("home_visits")
    op.drop_index("ix_fund_entries_commune_on", table_name="fund_entries")
    op.drop_table("fund_entries")
    op.drop_table("fund_ledgers")
    op.drop_index(op.f("ix_support_activities_meeting_id"), table_name="support_activities")
    op.drop_index(op.f("ix_support_activities_commune_id"), table_name="support_activities")
    op.drop_index("ix_support_activities_unit_on", table_name="support_activities")
    op.drop_table("support_activities")
