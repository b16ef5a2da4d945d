"""The webhook channel: a signed JSON POST per message and subscription.

Body (stable across retries, keys sorted)::

    {"id": "<idempotency key>", "type": "case.transitioned", "occurred_at": "…Z",
     "case": "P-2026-…", "recipient": "lead_a" | null, "data": {vetted payload}}

Headers: ``Idempotency-Key`` (the same on every retry), ``X-Nghedan-Event``,
``X-Nghedan-Signature`` (see signing.py). Any 2xx is success; what other answers
mean (retried with backoff, or given up) is ``outcome.http_outcome``'s to say; a
timeout or a refused connection is retried.
Redirects are not followed (the signature is for the URL that was registered).
Where it may connect is the address policy's to say (``engine.address_policy``,
through ``webhook_transport``): checked again against the resolved addresses at
every send.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.message_facts import message_facts
from engine.models import NotificationDelivery, User

from .channels import SendError
from .config import NotifySettings
from .outcome import PERMANENT, SENT, http_outcome
from .signing import SIGNATURE_HEADER, signature_header
from .webhook_transport import checked_connection

__all__ = ["WebhookChannel", "PreparedWebhook", "webhook_body"]

USER_AGENT = "nghedan-webhook/1"


@dataclass(frozen=True)
class PreparedWebhook:
    url: str
    secret: str
    body: bytes
    key: str
    event: str


def webhook_body(session: Session, delivery: NotificationDelivery) -> bytes:
    msg = delivery.outbox
    if msg is None:
        raise SendError("the delivery has no outbox message", permanent=True)
    case = msg.case
    data = message_facts(msg.payload, case_kind=case.kind if case else None)
    code = data.get("code") if isinstance(data.get("code"), str) else (case.code if case else None)
    # Deadline alerts name the official they are for (a chat bot forwards them); never a citizen.
    recipient = session.scalar(select(User.username).where(User.id == msg.recipient_user_id)) \
        if msg.recipient_user_id is not None else None
    document = {
        "id": delivery.key, "type": msg.kind, "occurred_at": msg.created_at.isoformat().replace("+00:00", "Z"),
        "case": code, "recipient": recipient, "data": data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class WebhookChannel:
    name = "webhook"
    enabled = True

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    @property
    def timeout(self) -> float:
        return self.settings.webhook_timeout * 2

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> PreparedWebhook:
        sub = delivery.subscription
        if sub is None or not sub.active:
            raise SendError("the webhook subscription was removed", permanent=True)
        return PreparedWebhook(url=sub.url, secret=sub.secret, body=webhook_body(session, delivery), key=delivery.key,
                               event=delivery.outbox.kind if delivery.outbox else "")

    def send(self, prepared: PreparedWebhook, now: datetime) -> str:
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": prepared.key,
            "X-Nghedan-Event": prepared.event,
            SIGNATURE_HEADER: signature_header(prepared.secret, timestamp, prepared.body),
        }
        conn, path = checked_connection(self.settings.webhook_policy, prepared.url, self.settings.webhook_timeout)
        try:
            conn.request("POST", path, body=prepared.body, headers=headers)
            response = conn.getresponse()
            snippet = response.read(300).decode("utf-8", "replace").strip()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            raise SendError(f"{type(err).__name__}: {err}") from err
        finally:
            conn.close()
        outcome = http_outcome(status)
        if outcome == SENT:
            return f"HTTP {status}"
        raise SendError(f"HTTP {status}: {snippet[:200]}" if snippet else f"HTTP {status}",
                        permanent=outcome == PERMANENT)
