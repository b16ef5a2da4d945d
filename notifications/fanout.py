"""Fan-out: each pending outbox row becomes what its recipients and subscribers get.

For every recipient (see recipients.py): an in-app inbox item, and an email item
when they have an address and want email. For every active webhook subscription
whose filters match: a webhook delivery. For the citizen who raised the case, when
their consent allows it: one delivery on their channel (citizen_fanout.py). The outbox row is marked processed in the
same transaction, so a crash either leaves the row pending with nothing written, or
processed with everything written; unique keys make a replay harmless anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.message_facts import message_facts
from engine.models import (EmailItem, InboxItem, NotificationDelivery, OutboxMessage, Unit, User,
                           WebhookSubscription)
from engine.services.calendars import load_calendar

from .citizen_fanout import fan_out_to_citizen
from .content import days_late
from .preferences import preferences_for
from .recipients import recipients_for

__all__ = ["FanOutResult", "fan_out", "event_matches", "webhook_delivery_key"]

log = logging.getLogger("nghedan.notifications")


@dataclass
class FanOutResult:
    fetched: int = 0
    messages: int = 0
    errors: int = 0
    inbox_items: int = 0
    email_items: int = 0
    webhook_deliveries: int = 0
    citizen_deliveries: int = 0


def event_matches(patterns: Sequence[str], kind: str) -> bool:
    """Exact kinds, shell-style patterns ("deadline.*") or "*"."""
    return any(fnmatchcase(kind, p) for p in patterns)


def webhook_delivery_key(subscription_id: int, msg: OutboxMessage) -> str:
    return f"webhook:{subscription_id}:{msg.dedup_key}"[:200]


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fan_out(session: Session, now: datetime, *, limit: int = 200) -> FanOutResult:
    """Process up to ``limit`` pending outbox rows, oldest first. Does not commit."""
    stmt = select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id).limit(limit)
    if _is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=OutboxMessage)
    messages = list(session.scalars(stmt))
    result = FanOutResult()
    if not messages:
        return result
    subscriptions = list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True))))
    calendar = load_calendar(session)
    result.fetched = len(messages)
    for msg in messages:
        try:
            one = FanOutResult()
            with session.begin_nested():
                _fan_out_one(session, msg, now, subscriptions, calendar, one)
                msg.status = "processed"
                msg.processed_at = now
                session.flush()
        except Exception:  # one malformed row must not hold up everyone else's notifications
            log.exception("outbox message %s could not be fanned out; it stays pending", msg.id)
            result.errors += 1
            continue
        result.messages += 1
        result.inbox_items += one.inbox_items
        result.email_items += one.email_items
        result.webhook_deliveries += one.webhook_deliveries
        result.citizen_deliveries += one.citizen_deliveries
    return result


def _fan_out_one(session: Session, msg: OutboxMessage, now: datetime, subscriptions: list[WebhookSubscription],
                 calendar: WorkingCalendar, result: FanOutResult) -> None:
    case = msg.case
    data = message_facts(msg.payload, case_kind=case.kind if case else None)
    if msg.kind.startswith("deadline.") and "days_late" not in data:
        late = days_late(data, calendar, msg.created_at, case.due_at if case else None)
        if late is not None:
            data["days_late"] = late
    code = data.get("code") if isinstance(data.get("code"), str) else (case.code if case else None)

    user_ids = recipients_for(session, msg)
    prefs = preferences_for(session, user_ids)
    emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(list(user_ids)))).all()) \
        if user_ids else {}
    for user_id in sorted(user_ids):
        session.add(InboxItem(user_id=user_id, outbox_id=msg.id, kind=msg.kind, case_code=code, data=data,
                              created_at=msg.created_at, read_at=None))
        result.inbox_items += 1
        pref = prefs.get(user_id)
        if emails.get(user_id) and (pref is None or pref.email_enabled):
            session.add(EmailItem(user_id=user_id, outbox_id=msg.id, created_at=msg.created_at))
            result.email_items += 1

    for sub in subscriptions:
        if not event_matches(sub.event_types or [], msg.kind):
            continue
        if sub.unit is not None and not _in_subtree(session, msg, sub.unit):
            continue
        session.add(NotificationDelivery(
            key=webhook_delivery_key(sub.id, msg), channel="webhook", kind="event", subscription_id=sub.id,
            outbox_id=msg.id, status="pending", attempts=0, next_attempt_at=now, created_at=now))
        result.webhook_deliveries += 1

    # The citizen who raised it, if they agreed to be told (engine.consent).
    result.citizen_deliveries += fan_out_to_citizen(session, msg, now)


def _in_subtree(session: Session, msg: OutboxMessage, root: Unit) -> bool:
    """Whether the message's case was raised or is handled under ``root``."""
    payload = msg.payload or {}
    codes = [c for c in (payload.get("origin_unit"), payload.get("handling_unit")) if isinstance(c, str)]
    paths = list(session.scalars(select(Unit.path).where(Unit.code.in_(codes)))) if codes else []
    # Not the case's current handling unit: it may have moved on since this message.
    ids = [i for i in (msg.unit_id, msg.case.origin_unit_id if msg.case else None) if i is not None]
    if ids:
        paths += list(session.scalars(select(Unit.path).where(Unit.id.in_(ids))))
    return any(path.startswith(root.path) for path in paths)
