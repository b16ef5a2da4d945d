"""api tokens and Open311 intake details

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-21 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base


revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("api_tokens",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("label", sa.String(length=100), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash"))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table("open311_requests",
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=True),
    sa.Column("long", sa.Float(), nullable=True),
    sa.Column("address_string", sa.String(length=300), nullable=True),
    sa.Column("address_id", sa.String(length=100), nullable=True),
    sa.Column("email", sa.String(length=254), nullable=True),
    sa.Column("device_id", sa.String(length=100), nullable=True),
    sa.Column("account_id", sa.String(length=100), nullable=True),
    sa.Column("media_url", sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_open311_requests_case_id_cases"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("case_id", name=op.f("pk_open311_requests"))
    )


def downgrade() -> None:
    op.drop_table("open311_requests")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")
