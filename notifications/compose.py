"""Grouping a user's pending email items into emails: at once, or in a daily digest.

Immediate users get one email per burst: items wait until none has arrived for
``immediate_quiet_seconds`` (one sweep's overdue alerts, written in several
batches, make one email, not a flood), but never longer than
``immediate_max_hold_seconds``. Digest users get one email per day at their local
time holding everything that arrived up to that time; later items wait for the
next day's. The delivery key names the group, so a group is made once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import EmailItem, NotificationDelivery

from .config import NotifySettings
from .preferences import digest_slot, preferences_for

__all__ = ["compose_emails"]


def compose_emails(session: Session, now: datetime, settings: NotifySettings) -> int:
    """Create email deliveries for the groups that are ready; returns how many. Does not commit."""
    pending = session.execute(
        select(EmailItem.user_id, func.min(EmailItem.created_at), func.max(EmailItem.created_at))
        .where(EmailItem.delivery_id.is_(None)).group_by(EmailItem.user_id)
    ).all()
    prefs = preferences_for(session, [row[0] for row in pending])
    quiet = timedelta(seconds=settings.immediate_quiet_seconds)
    hold = timedelta(seconds=settings.immediate_max_hold_seconds)
    made = 0
    for user_id, oldest, newest in pending:
        pref = prefs.get(user_id)
        if pref is None:
            continue
        items_stmt = select(EmailItem).where(EmailItem.user_id == user_id, EmailItem.delivery_id.is_(None))
        if pref.mode == "digest":
            slot = digest_slot(pref, now)
            key = f"digest:{user_id}:{slot.date().isoformat()}"
            if session.scalar(select(NotificationDelivery.id).where(NotificationDelivery.key == key)) is not None:
                continue  # today's digest is made; what came later waits for tomorrow's
            items_stmt = items_stmt.where(EmailItem.created_at <= slot)
            kind = "digest"
        else:
            if now - newest < quiet and now - oldest < hold:
                continue
            key, kind = "", "notice"
        if session.get_bind().dialect.name == "postgresql":
            # Another composer holding these rows is making this very email.
            items_stmt = items_stmt.with_for_update(skip_locked=True, of=EmailItem)
        items = list(session.scalars(items_stmt.order_by(EmailItem.id)))
        if not items:
            continue
        if not key:
            key = f"notice:{user_id}:{items[0].id}"
        try:
            with session.begin_nested():
                delivery = NotificationDelivery(key=key, channel="email", kind=kind, user_id=user_id,
                                                status="pending", attempts=0, next_attempt_at=now, created_at=now)
                session.add(delivery)
                session.flush()
                for item in items:
                    item.delivery_id = delivery.id
                session.flush()
        except IntegrityError:
            continue  # made by a concurrent pass
        made += 1
    return made
