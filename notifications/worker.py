"""One delivery pass, the function the scheduler worker calls every minute (or more often).

    fan out pending outbox rows → group email items into emails → send what is due
    → tell the admins of deliveries that died

Every step reads and writes the database only; nothing is kept in memory between
passes, so passes may run in several processes at once and any of them may die.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.uow import UnitOfWork

from .admin import tell_admins
from .channels import Channel
from .citizen_email import CitizenEmailChannel
from .compose import compose_emails
from .config import NotifySettings
from .delivery import deliver_due
from .email_channel import EmailChannel
from .fanout import fan_out
from .sms_esms import EsmsChannel
from .text import default_state_label, workflow_state_label
from .webhook import WebhookChannel
from .zalo_zns import ZaloChannel

__all__ = ["Stats", "run_once", "default_channels"]

FAN_OUT_BATCH = 200


@dataclass
class Stats:
    outbox_processed: int = 0
    inbox_items: int = 0
    email_items: int = 0
    webhook_deliveries: int = 0
    citizen_deliveries: int = 0
    emails_composed: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    lost: int = 0
    postponed: int = 0
    withheld: int = 0  # citizens' messages stopped at send time (consent withdrawn)
    dead_told: int = 0  # dead letters the admins were just told of (one notice per pass)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"outbox {self.outbox_processed} processed; inbox +{self.inbox_items}; "
                f"emails composed {self.emails_composed}; webhooks queued {self.webhook_deliveries}; "
                f"sent {self.sent}, failed {self.failed}, dead {self.dead}"
                + (f"; citizens' messages queued {self.citizen_deliveries}" if self.citizen_deliveries else "")
                + (f", withheld {self.withheld} (consent withdrawn)" if self.withheld else "")
                + (f"; admins told of {self.dead_told} dead" if self.dead_told else ""))


def default_channels(settings: NotifySettings, workflows: Mapping[str, Any] | None = None,
                     sessions: sessionmaker[Session] | None = None, clock: Clock | None = None) -> dict[str, Channel]:
    state_label = workflow_state_label(workflows) if workflows else default_state_label
    channels: dict[str, Channel] = {"email": EmailChannel(settings, state_label), "webhook": WebhookChannel(settings),
                                    "sms": EsmsChannel(settings), "citizen_email": CitizenEmailChannel(settings)}
    if sessions is not None and clock is not None:
        # Zalo keeps its rotating tokens in the database.
        channels["zalo"] = ZaloChannel(settings, sessions, clock)
    return channels


def run_once(sessions: sessionmaker[Session], settings: NotifySettings, clock: Clock, *,
             workflows: Mapping[str, Any] | None = None, channels: Mapping[str, Channel] | None = None,
             rng: random.Random | None = None) -> Stats:
    """Fan out the outbox, compose emails that are ready, send everything due."""
    stats = Stats()
    while True:
        with UnitOfWork(sessions, write=True) as uow:
            fanned = fan_out(uow.session, clock.now(), limit=FAN_OUT_BATCH)
            uow.commit()
        stats.outbox_processed += fanned.messages
        stats.inbox_items += fanned.inbox_items
        stats.email_items += fanned.email_items
        stats.webhook_deliveries += fanned.webhook_deliveries
        stats.citizen_deliveries += fanned.citizen_deliveries
        if fanned.fetched < FAN_OUT_BATCH or fanned.messages == 0:
            break
    with UnitOfWork(sessions, write=True) as uow:
        stats.emails_composed = compose_emails(uow.session, clock.now(), settings)
        uow.commit()
    delivered = deliver_due(sessions, clock, settings, channels or default_channels(settings, workflows, sessions, clock),
                            rng)
    stats.claimed, stats.sent, stats.failed = delivered.claimed, delivered.sent, delivered.failed
    stats.dead, stats.lost, stats.errors = delivered.dead, delivered.lost, delivered.errors
    stats.postponed = delivered.postponed
    stats.withheld = delivered.withheld
    with UnitOfWork(sessions, write=True) as uow:
        stats.dead_told = tell_admins(uow.session, clock.now())
        uow.commit()
    return stats
