"""Tables of the notifications layer: what was delivered to whom, over which channel.

The engine writes outbox rows (engine.models.outbox); notifications/ fans each one
out to people and integrations and records every attempt here. Nothing in these
tables carries a citizen's identity: they point at outbox rows and users.

- ``NotificationDelivery`` — one message to send over one channel (an email to one
  user, a POST to one webhook subscription). Its ``key`` is the idempotency key a
  receiver can deduplicate on (email Message-ID, webhook Idempotency-Key). Status:
  pending → sending (claimed, under a lease) → sent | failed (waits for a retry) →
  … → dead (refused for good, or still failing when its retry span ran out; the
  admins are told once per batch and may requeue it).
- ``EmailItem`` — one outbox message waiting to be put in a user's email; grouped
  into a delivery at once (immediate users) or at the user's digest time.
- ``InboxItem`` — the in-app notification of one outbox message for one user.
- ``WebhookSubscription`` — an integration's URL, secret and filters.
- ``NotificationPreference`` — how and in which language a user wants email.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .outbox import OutboxMessage
from .units import Unit, User

__all__ = [
    "NotificationDelivery", "EmailItem", "InboxItem", "WebhookSubscription", "NotificationPreference",
    "ProviderToken", "DELIVERY_STATUSES", "DIGEST_DEFAULT_TIME",
]

# withheld: a citizen's message whose consent was withdrawn (or no longer allows it) before it went.
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "dead", "withheld")
DIGEST_DEFAULT_TIME = time(7, 30)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # Needed in clear to sign each request (HMAC); shown once when created.
    secret: Mapped[str] = mapped_column(String(128))
    # Exact kinds ("case.transitioned"), prefixes ("deadline.*") or "*".
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Only messages about cases whose origin or handling unit lies in this subtree.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class NotificationPreference(Base):
    """Absent row = defaults: immediate email, in the user's own language."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="immediate")  # immediate | digest
    digest_time: Mapped[time] = mapped_column(Time, default=DIGEST_DEFAULT_TIME)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    language: Mapped[str | None] = mapped_column(String(2))  # vi | en; None = the user's language
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # The delivery pass reads only what is due: pending/failed retries and expired leases.
        Index("ix_notification_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook | sms | zalo | citizen_email
    kind: Mapped[str] = mapped_column(String(16))  # notice | digest | event | citizen
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Named by hand: the conventional name would pass PostgreSQL's 63-character limit.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", name="fk_notification_deliveries_subscription"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    # A message to a citizen: the consent it was fanned out under (checked again at send time).
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_consents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When it may next be claimed: the retry time, or while sending the lease's end,
    # so a worker that died mid-send leaves a delivery that simply becomes due again.
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_attempt_at: Mapped[datetime | None]
    # Failed attempts are retried until then (set at the first attempt, cleared by a requeue).
    retry_until: Mapped[datetime | None]
    # The admins' notice (an outbox row) that told of this delivery's death; None = not yet told.
    dead_notice_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # An admin brought it back from dead this many times, the last at requeued_at.
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requeued_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the receiving server answered to the accepted attempt ("250 2.0.0 Ok", "HTTP 204").
    response: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
    subscription: Mapped[WebhookSubscription | None] = relationship()
    outbox: Mapped[OutboxMessage | None] = relationship()


class EmailItem(Base):
    __tablename__ = "notification_email_items"
    __table_args__ = (
        UniqueConstraint("user_id", "outbox_id"),
        Index("ix_notification_email_items_delivery_user", "delivery_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    # The fact's time (the outbox row's), which decides the digest it belongs to.
    created_at: Mapped[datetime]
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("notification_deliveries.id"))

    outbox: Mapped[OutboxMessage] = relationship(lazy="joined")


class InboxItem(Base):
    __tablename__ = "notification_inbox"
    __table_args__ = (
        UniqueConstraint("user_id", "outbox_id"),
        Index("ix_notification_inbox_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    kind: Mapped[str] = mapped_column(String(48))
    case_code: Mapped[str | None] = mapped_column(String(24))
    # A vetted copy of the outbox payload (codes, states, units, lateness): no personal data.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ProviderToken(Base):
    """A provider's OAuth tokens (Zalo), shared by every worker: the refresh token
    rotates at each use, so it must live where all of them read and write it."""

    __tablename__ = "provider_tokens"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
