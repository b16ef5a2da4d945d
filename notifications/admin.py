"""What admins see and do about deliveries that did not go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import NotificationDelivery, User, WebhookSubscription

__all__ = ["DeadDelivery", "list_dead", "retry_dead", "count_by_status"]


@dataclass(frozen=True)
class DeadDelivery:
    id: int
    key: str
    channel: str
    kind: str
    to: str  # the user's username and address, or the webhook URL
    attempts: int
    last_attempt_at: datetime | None
    last_error: str | None


def list_dead(session: Session, limit: int = 100) -> list[DeadDelivery]:
    rows = session.execute(
        select(NotificationDelivery, User.username, User.email, WebhookSubscription.url)
        .outerjoin(User, User.id == NotificationDelivery.user_id)
        .outerjoin(WebhookSubscription, WebhookSubscription.id == NotificationDelivery.subscription_id)
        .where(NotificationDelivery.status == "dead")
        .order_by(NotificationDelivery.last_attempt_at.desc(), NotificationDelivery.id.desc())
        .limit(limit)
    ).all()
    return [
        DeadDelivery(id=d.id, key=d.key, channel=d.channel, kind=d.kind,
                     to=url if d.channel == "webhook" else f"{username} <{email or '—'}>",
                     attempts=d.attempts, last_attempt_at=d.last_attempt_at, last_error=d.last_error)
        for d, username, email, url in rows
    ]


def retry_dead(session: Session, ids: Iterable[int], *, now: datetime) -> int:
    """Give dead deliveries a fresh set of attempts (after the cause was fixed)."""
    result = session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.id.in_([int(i) for i in ids]), NotificationDelivery.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, claim_token=None, lease_until=None))
    return int(result.rowcount or 0)


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(NotificationDelivery.status, func.count()).group_by(NotificationDelivery.status))
    return {status: n for status, n in rows}
