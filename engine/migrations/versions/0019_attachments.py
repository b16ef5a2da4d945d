"""attachments: files on a case's steps, content-addressed, their hashes in the chain

Revision ID: 0019
Revises: 0018

Only a new table: existing chains and cases are untouched. Downgrading drops the
table; the blobs stay in the store (``nghedan files gc`` removes unreferenced ones)
and the events that added files keep their hashes, so every chain still verifies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    instant = engine.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", instant, nullable=False),
        sa.Column("deleted_at", instant, nullable=True),
        sa.Column("deleted_by", sa.String(length=64), nullable=True),
        sa.Column("deleted_reason", sa.Text(), nullable=True),
        sa.Column("deleted_event_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_attachments_case_id_cases"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["event_id"], ["case_events.id"], name=op.f("fk_attachments_event_id_case_events"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["deleted_event_id"], ["case_events.id"],
                                name=op.f("fk_attachments_deleted_event_id_case_events"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"], unique=False)
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attachments_sha256", table_name="attachments")
    op.drop_index("ix_attachments_case_id", table_name="attachments")
    op.drop_table("attachments")
