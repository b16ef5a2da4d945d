"""the field's other programmes: Tổ dân vận teams and members, reception schedules and
days, dialogues, documents announced to the people and their commitments, dispute parties

Revision ID: 0023
Revises: 0022

Only new tables: nothing existing changes, so the downgrade drops them and loses
only what these programmes recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TS = engine.models.base.UTCDateTime(timezone=True)


def _fk(table: str, col: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint([col], [target], name=op.f(f"fk_{table}_{col}_{ref}"), ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        _fk("teams", "unit_id", "units.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_teams_unit_id")),
    )
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        _fk("team_members", "team_id", "teams.id", "CASCADE"),
        _fk("team_members", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_team_id"), "team_members", ["team_id"], unique=False)
    op.create_table(
        "reception_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.String(length=24), nullable=False),
        sa.Column("days_per_month", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        _fk("reception_schedules", "user_id", "users.id"),
        _fk("reception_schedules", "unit_id", "units.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_schedules")),
        sa.UniqueConstraint("user_id", "unit_id", name=op.f("uq_reception_schedules_user_id_unit_id")),
    )
    op.create_table(
        "reception_days",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=16), nullable=False),
        sa.Column("receiver_user_id", sa.Integer(), nullable=True),
        sa.Column("receiver_name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.String(length=24), nullable=False),
        _fk("reception_days", "meeting_id", "meetings.id", "CASCADE"),
        _fk("reception_days", "receiver_user_id", "users.id"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_reception_days")),
    )
    op.create_index(op.f("ix_reception_days_receiver_user_id"), "reception_days", ["receiver_user_id"], unique=False)
    op.create_table(
        "dialogues",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("chair_name", sa.String(length=200), nullable=False),
        sa.Column("front_representative", sa.String(length=200), nullable=False),
        _fk("dialogues", "meeting_id", "meetings.id", "CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_dialogues")),
    )
    op.create_table(
        "public_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_code", sa.String(length=24), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("announced_at", _TS, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _fk("public_documents", "meeting_id", "meetings.id"),
        _fk("public_documents", "created_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_documents")),
        sa.UniqueConstraint("public_code", name=op.f("uq_public_documents_public_code")),
    )
    op.create_index(op.f("ix_public_documents_meeting_id"), "public_documents", ["meeting_id"], unique=False)
    op.create_table(
        "document_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _fk("document_items", "document_id", "public_documents.id", "CASCADE"),
        _fk("document_items", "case_id", "cases.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_items")),
        sa.UniqueConstraint("document_id", "position", name=op.f("uq_document_items_document_id_position")),
    )
    op.create_index(op.f("ix_document_items_document_id"), "document_items", ["document_id"], unique=False)
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        _fk("case_parties", "case_id", "cases.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_parties")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_case_parties_case_id_position")),
    )
    op.create_index(op.f("ix_case_parties_case_id"), "case_parties", ["case_id"], unique=False)


def downgrade() -> None:
    for table, index in (("case_parties", "case_id"), ("document_items", "document_id"),
                         ("public_documents", "meeting_id")):
        op.drop_index(op.f(f"ix_{table}_{index}"), table_name=table)
        op.drop_table(table)
    op.drop_table("dialogues")
    op.drop_index(op.f("ix_reception_days_receiver_user_id"), table_name="reception_days")
    op.drop_table("reception_days")
    op.drop_table("reception_schedules")
    op.drop_index(op.f("ix_team_members_team_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
