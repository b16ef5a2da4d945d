"""Reading a citizen's delivery right before it is sent: the consent is asked again.

Every citizen channel's ``prepare`` starts here. Fan-out created the delivery under
one consent row; if the case's latest row is another one (a withdrawal, or a new
grant on another channel) or ``engine.consent`` no longer allows the message, the
delivery is ``Withheld``: not sent, not retried, not a dead letter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.consent import may_message
from engine.message_facts import citizen_facts, citizen_notice, unit_for_message
from engine.models import NotificationDelivery, Unit
from engine.services.consents import latest_consent

from .channels import SendError, Withheld
from .citizen_text import CitizenNotice, build_notice
from .config import NotifySettings

__all__ = ["CitizenMessage", "prepare_citizen"]


@dataclass(frozen=True)
class CitizenMessage:
    key: str
    address: str
    notice: CitizenNotice


def prepare_citizen(session: Session, delivery: NotificationDelivery, settings: NotifySettings,
                    channel: str) -> CitizenMessage:
    msg = delivery.outbox
    case = msg.case if msg is not None else None
    if msg is None or case is None or delivery.consent_id is None:
        raise SendError("the delivery has no outbox message, case or consent", permanent=True)
    latest = latest_consent(session, case.id)
    if latest is None or latest.id != delivery.consent_id or not may_message(latest, case_kind=case.kind,
                                                                              channel=channel):
        raise Withheld("not sent: the citizen's consent was withdrawn or changed before it went")
    notice = citizen_notice(msg.kind, msg.payload)
    if notice is None:
        raise SendError("not a step the citizen is told of", permanent=True)
    facts = citizen_facts(msg.payload, case_kind=case.kind)
    unit_code = facts.get("handling_unit")
    name = None
    if isinstance(unit_code, str):
        shown = unit_for_message(session, unit_code, case.kind)
        name = session.scalar(select(Unit.name).where(Unit.code == shown))
    facts.setdefault("code", case.code)
    assert latest.address is not None  # may_message asked for one
    return CitizenMessage(key=delivery.key, address=latest.address,
                          notice=build_notice(notice, facts, name, settings.tracking_url))
