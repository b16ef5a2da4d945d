"""Webhook subscriptions: who outside wants which events, for which units.

The secret is made here and returned once (the CLI prints it); it is stored
because every request must be signed with it, and never listed again. Removing a
subscription keeps its delivery history and buries what was still to send.
Functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.address_policy import AddressPolicy, RefusedTarget
from engine.errors import InvalidField, NotFound
from engine.models import NotificationDelivery, WebhookSubscription
from engine.services.directory import unit_by_code

from .signing import new_secret

__all__ = ["SubscriptionView", "add_subscription", "list_subscriptions", "remove_subscription", "KNOWN_EVENTS"]

KNOWN_EVENTS = ("case.created", "case.transitioned", "case.remark", "deadline.reminder", "deadline.overdue",
                "deadline.escalated", "deadline.informed")


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    url: str
    event_types: tuple[str, ...]
    unit: str | None
    description: str
    active: bool
    created_at: datetime


def _view(sub: WebhookSubscription) -> SubscriptionView:
    return SubscriptionView(id=sub.id, url=sub.url, event_types=tuple(sub.event_types or ()),
                            unit=sub.unit.code if sub.unit else None, description=sub.description,
                            active=sub.active, created_at=sub.created_at)


def _check_events(events: Sequence[str]) -> list[str]:
    cleaned = [e.strip() for e in events if e.strip()]
    if not cleaned:
        raise InvalidField(field="events", problem_vi="cần ít nhất một loại sự kiện",
                           problem_en="give at least one event type")
    for event in cleaned:
        known = any(k == event for k in KNOWN_EVENTS) or event == "*" or (
            event.endswith(".*") and any(k.startswith(event[:-1]) for k in KNOWN_EVENTS))
        if not known:
            raise InvalidField(field="events", problem_vi=f"không biết loại sự kiện “{event[:48]}”",
                               problem_en=f"unknown event type “{event[:48]}” (use {', '.join(KNOWN_EVENTS)}, "
                                          "case.*, deadline.* or *)")
    return cleaned


def add_subscription(session: Session, url: str, events: Sequence[str], *, now: datetime, policy: AddressPolicy,
                     unit_code: str | None = None, description: str = "") -> tuple[SubscriptionView, str]:
    """Returns the subscription and its secret, which is shown only this once.
    ``policy`` is the deployment's (``NotifySettings.webhook_policy``): the worker
    asks it again, of the resolved addresses, at every send."""
    try:
        policy.check_url(url)
    except RefusedTarget as err:
        raise InvalidField(field="url", problem_vi=err.vi, problem_en=err.en) from None
    if len(url) > 500:
        raise InvalidField(field="url", problem_vi="quá dài", problem_en="too long")
    unit = unit_by_code(session, unit_code) if unit_code else None
    secret = new_secret()
    sub = WebhookSubscription(url=url, secret=secret, event_types=_check_events(events), unit=unit,
                              description=description[:200], active=True, created_at=now)
    session.add(sub)
    session.flush()
    return _view(sub), secret


def list_subscriptions(session: Session, *, include_removed: bool = False) -> list[SubscriptionView]:
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if not include_removed:
        stmt = stmt.where(WebhookSubscription.active.is_(True))
    return [_view(s) for s in session.scalars(stmt)]


def remove_subscription(session: Session, subscription_id: int, *, now: datetime) -> int:
    """Deactivate; returns how many unsent deliveries were given up."""
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or not sub.active:
        raise NotFound(what="webhook", key=str(subscription_id))
    sub.active = False
    result = session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.subscription_id == sub.id,
               NotificationDelivery.status.in_(("pending", "failed")))
        .values(status="dead", last_error="subscription removed", lease_until=None, claim_token=None)
    )
    return int(result.rowcount or 0)
