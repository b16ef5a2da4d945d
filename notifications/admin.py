"""What admins see and do about deliveries that did not go out (dead letters).

They are told without the channel that failed: ``tell_admins`` (every delivery
pass) gives each active admin one in-app notice per batch of dead letters (what
died since they last read it; recorded as an outbox row already processed, so it
is never emailed or posted itself), and the board and the case list show admins how
many are dead (``dead_count``).
``list_dead`` is what `nghedan notify dead` and the admin page show; ``retry_dead``
(`nghedan notify retry`) brings them back to pending, each requeue recorded on the
row. Functions take a session and never commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import InboxItem, NotificationDelivery, OutboxMessage, RoleGrant, User, WebhookSubscription

__all__ = ["DeadDelivery", "DEAD_NOTICE", "list_dead", "retry_dead", "count_by_status", "dead_count",
           "tell_admins"]

log = logging.getLogger("nghedan.notifications")

DEAD_NOTICE = "deliveries.dead"  # the kind of the admins' notice


@dataclass(frozen=True)
class DeadDelivery:
    id: int
    key: str
    channel: str
    kind: str
    to: str  # the user's username and address, or the webhook URL without credentials or query
    attempts: int
    last_attempt_at: datetime | None
    last_error: str | None
    requeues: int


def _shown_url(url: str | None) -> str:
    """A webhook target as an admin may see it: never its user:password or query (keys live there)."""
    parts = urlsplit(url or "")
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if host else "—"


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
                     to=_shown_url(url) if d.channel == "webhook" else (
                         # Never the citizen's number or email: admins see it masked at most.
                         f"citizen ({d.channel})" if d.kind == "citizen" else f"{username} <{email or '—'}>"),
                     attempts=d.attempts, last_attempt_at=d.last_attempt_at, last_error=d.last_error,
                     requeues=d.requeues)
        for d, username, email, url in rows
    ]


def retry_dead(session: Session, ids: Iterable[int] | None, *, now: datetime) -> list[int]:
    """Give dead deliveries (the listed ones, or all with ``ids=None``) a fresh retry
    span, after the cause was fixed. Returns the ids requeued: one that is not dead
    (already requeued, sent, unknown) is left alone, so a repeated or concurrent
    retry requeues each delivery once."""
    stmt = (update(NotificationDelivery).where(NotificationDelivery.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, claim_token=None, lease_until=None,
                    retry_until=None, dead_notice_id=None, requeues=NotificationDelivery.requeues + 1,
                    requeued_at=now)
            .returning(NotificationDelivery.id))
    if ids is not None:
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return []
        stmt = stmt.where(NotificationDelivery.id.in_(wanted))
    requeued = sorted(session.scalars(stmt).all())
    if requeued:
        log.info("%d dead deliveries requeued: %s", len(requeued), ", ".join(map(str, requeued[:50])))
    return requeued


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(NotificationDelivery.status, func.count()).group_by(NotificationDelivery.status))
    return {status: n for status, n in rows}


def dead_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(NotificationDelivery)
                              .where(NotificationDelivery.status == "dead")) or 0)


def tell_admins(session: Session, now: datetime) -> int:
    """Tell every active admin, in the app, of the dead letters nobody was told of yet;
    returns how many it covers (0: nothing written).

    Deliveries die one by one (their retries are spread out), so a batch is what died
    since an admin last read: an unread notice has its count raised instead of a
    second one being added. Each call is recorded as one processed outbox row.
    """
    stmt = (select(NotificationDelivery.id)
            .where(NotificationDelivery.status == "dead", NotificationDelivery.dead_notice_id.is_(None))
            .order_by(NotificationDelivery.id))
    if session.get_bind().dialect.name == "postgresql":
        # Another pass telling of these very rows: each dead letter is counted once.
        stmt = stmt.with_for_update(skip_locked=True, of=NotificationDelivery)
    ids = list(session.scalars(stmt))
    if not ids:
        return 0
    record = OutboxMessage(dedup_key=f"{DEAD_NOTICE}:{ids[0]}:{secrets.token_hex(6)}", kind=DEAD_NOTICE,
                           recipient_user_id=None, actor_user_id=None, case_id=None, unit_id=None,
                           payload={"count": len(ids)}, created_at=now, status="processed", processed_at=now)
    session.add(record)
    session.flush()
    admins = sorted(session.scalars(select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
                                    .where(RoleGrant.role == "admin", User.is_active.is_(True)).distinct()))
    unread = {item.user_id: item for item in session.scalars(
        select(InboxItem).where(InboxItem.kind == DEAD_NOTICE, InboxItem.read_at.is_(None),
                                InboxItem.user_id.in_(admins)).with_for_update())}
    for admin_id in admins:
        item = unread.get(admin_id)
        if item is None:
            session.add(InboxItem(user_id=admin_id, outbox_id=record.id, kind=DEAD_NOTICE, case_code=None,
                                  data={"count": len(ids)}, created_at=now, read_at=None))
        else:
            count = item.data.get("count") if isinstance(item.data.get("count"), int) else 0
            item.data = {**item.data, "count": count + len(ids)}
    session.execute(update(NotificationDelivery).where(NotificationDelivery.id.in_(ids))
                    .values(dead_notice_id=record.id))
    return len(ids)
