"""citizens' consent to messages; deliveries to citizens; provider tokens

Revision ID: 0022
Revises: 0021

``citizen_consents`` is append-only (a grant or a withdrawal per row; the latest is
in force). ``notification_deliveries.consent_id`` ties a message to a citizen to the
consent it was fanned out under, checked again at send time. ``provider_tokens``
holds Zalo's OAuth tokens, since the refresh token rotates and several workers send.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("author_requested", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_citizen_consents_case_id_cases")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_citizen_consents_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_consents")),
    )
    op.create_index("ix_citizen_consents_case_id_id", "citizen_consents", ["case_id", "id"], unique=False)
    op.create_table(
        "provider_tokens",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_tokens")),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_deliveries_consent_id"), ["consent_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_notification_deliveries_consent_id_citizen_consents"),
                                    "citizen_consents", ["consent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_deliveries_consent_id_citizen_consents"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_consent_id"))
        batch_op.drop_column("consent_id")
    op.drop_table("provider_tokens")
    op.drop_index("ix_citizen_consents_case_id_id", table_name="citizen_consents")
    op.drop_table("citizen_consents")
