"""notifications: deliveries, email items, in-app inbox, webhook subscriptions, preferences

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base


revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("notification_preferences",
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("mode", sa.String(length=16), nullable=False),
    sa.Column("digest_time", sa.Time(), nullable=False),
    sa.Column("timezone", sa.String(length=64), nullable=False),
    sa.Column("language", sa.String(length=2), nullable=True),
    sa.Column("email_enabled", sa.Boolean(), nullable=False),
    sa.Column("updated_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences"))
    )
    op.create_table("webhook_subscriptions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("url", sa.String(length=500), nullable=False),
    sa.Column("secret", sa.String(length=128), nullable=False),
    sa.Column("event_types", sa.JSON(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=True),
    sa.Column("description", sa.String(length=200), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_webhook_subscriptions_unit_id_units")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions"))
    )
    op.create_table("notification_deliveries",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=200), nullable=False),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("subscription_id", sa.Integer(), nullable=True),
    sa.Column("outbox_id", sa.Integer(), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("lease_until", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column("claim_token", sa.String(length=32), nullable=True),
    sa.Column("last_attempt_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("response", sa.String(length=500), nullable=True),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("sent_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_notification_deliveries_outbox_id_outbox")),
    sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"], name="fk_notification_deliveries_subscription"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_deliveries_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
    sa.UniqueConstraint("key", name=op.f("uq_notification_deliveries_key"))
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_deliveries_outbox_id"), ["outbox_id"], unique=False)
        batch_op.create_index("ix_notification_deliveries_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_deliveries_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_deliveries_user_id"), ["user_id"], unique=False)

    op.create_table("notification_inbox",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("outbox_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=48), nullable=False),
    sa.Column("case_code", sa.String(length=24), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("read_at", engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_notification_inbox_outbox_id_outbox")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_inbox_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_inbox")),
    sa.UniqueConstraint("user_id", "outbox_id", name=op.f("uq_notification_inbox_user_id_outbox_id"))
    )
    with op.batch_alter_table("notification_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_notification_inbox_user_read", ["user_id", "read_at"], unique=False)

    op.create_table("notification_email_items",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("outbox_id", sa.Integer(), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("delivery_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["delivery_id"], ["notification_deliveries.id"], name=op.f("fk_notification_email_items_delivery_id_notification_deliveries")),
    sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_notification_email_items_outbox_id_outbox")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_email_items_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_email_items")),
    sa.UniqueConstraint("user_id", "outbox_id", name=op.f("uq_notification_email_items_user_id_outbox_id"))
    )
    with op.batch_alter_table("notification_email_items", schema=None) as batch_op:
        batch_op.create_index("ix_notification_email_items_delivery_user", ["delivery_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_email_items", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_email_items_delivery_user")
    op.drop_table("notification_email_items")
    with op.batch_alter_table("notification_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_inbox_user_read")
    op.drop_table("notification_inbox")
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_user_id"))
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_subscription_id"))
        batch_op.drop_index("ix_notification_deliveries_status_next")
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_outbox_id"))
    op.drop_table("notification_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("notification_preferences")
