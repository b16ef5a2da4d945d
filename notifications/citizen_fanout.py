"""Fan-out to the citizen: one delivery per outbox row the citizen should hear of,
on the channel they agreed to, only while ``engine.consent`` allows it.

Which steps they hear of is ``engine.message_facts.citizen_notice``; whether a
message may go is ``engine.consent.may_message``, asked here and again right before
sending (``citizen_send.prepare_citizen``). The delivery's key names the consent and
the outbox row, so a replayed fan-out writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.consent import may_message
from engine.message_facts import citizen_notice
from engine.models import NotificationDelivery, OutboxMessage
from engine.services.consents import latest_consent

__all__ = ["CITIZEN_CHANNELS", "citizen_delivery_key", "fan_out_to_citizen"]

# The delivery channel of each consent channel.
CITIZEN_CHANNELS = {"sms": "sms", "zalo": "zalo", "email": "citizen_email"}


def citizen_delivery_key(consent_id: int, msg: OutboxMessage) -> str:
    return f"citizen:{consent_id}:{msg.dedup_key}"[:200]


def fan_out_to_citizen(session: Session, msg: OutboxMessage, now: datetime) -> int:
    """Add the citizen's delivery of ``msg`` if there is one to add; how many (0 or 1)."""
    case = msg.case
    if case is None or citizen_notice(msg.kind, msg.payload) is None:
        return 0
    consent = latest_consent(session, case.id)
    if consent is None or not may_message(consent, case_kind=case.kind):
        return 0
    session.add(NotificationDelivery(
        key=citizen_delivery_key(consent.id, msg), channel=CITIZEN_CHANNELS[consent.channel], kind="citizen",
        outbox_id=msg.id, consent_id=consent.id, status="pending", attempts=0, next_attempt_at=now, created_at=now))
    return 1
