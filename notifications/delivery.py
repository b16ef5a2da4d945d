"""Claiming due deliveries, sending them, and recording the outcome.

1. Claim (one write transaction): pick due deliveries — pending, failed whose
   retry time came, or sending whose lease ran out (a worker died mid-send) — with
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite write transactions are already
   exclusive: BEGIN IMMEDIATE), mark them ``sending`` under a lease with a fresh
   claim token, count the attempt, commit. Two workers therefore never hold the
   same delivery at once.
2. Prepare (read-only session) and send (no transaction open during network I/O).
3. Record (one write transaction per delivery, only if the claim token still
   matches): ``sent``; or ``failed`` with the error and a retry time from
   exponential backoff with jitter (capped); or ``dead`` when the receiver refused
   for good or the retry span (``retry_until``, set at the first attempt) is over.
   What an answer means is ``outcome.py``'s rule; the admins hear of the dead from
   ``admin.tell_admins``.

At least once: a crash after the server accepted a message but before step 3
sends it again after the lease; the idempotency key (Message-ID, Idempotency-Key)
lets the receiver drop the repeat.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.models import NotificationDelivery
from engine.uow import UnitOfWork

from .channels import Channel, SendError, Withheld
from .config import NotifySettings

__all__ = ["Claim", "DeliveryResult", "backoff", "claim_due", "deliver_due", "send_claimed"]

log = logging.getLogger("nghedan.notifications")

DUE_STATUSES = ("pending", "failed", "sending")


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    channel: str
    attempt: int
    lease_until: datetime
    retry_until: datetime


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    lost: int = 0  # our lease ran out and another worker took the delivery over
    postponed: int = 0  # handed back untried because the mail server kept failing
    withheld: int = 0  # a citizen's message stopped at send time: consent withdrawn
    errors: list[str] = field(default_factory=list)


def backoff(attempt: int, settings: NotifySettings, rng: random.Random) -> timedelta:
    """Delay before retry number ``attempt`` + 1: base·2^(attempt−1), capped, with jitter
    drawn from its upper half (so retries of many deliveries spread out, yet never
    come sooner than half the nominal delay)."""
    nominal = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=nominal / 2 + rng.random() * nominal / 2)


def _write(sessions: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(sessions, write=True)


def claim_due(sessions: sessionmaker[Session], clock: Clock, settings: NotifySettings,
              channels: Mapping[str, Channel], limit: int | None = None) -> tuple[list[Claim], int]:
    """Claim up to ``limit`` due deliveries of the enabled channels.

    Returns the claims and how many rows were given up instead (a lease that ran
    out after the retry span makes the delivery dead, not retried forever).
    """
    names = [name for name, ch in channels.items() if ch.enabled]
    if not names:
        return [], 0
    claims: list[Claim] = []
    buried = 0
    with _write(sessions) as uow:
        session, now = uow.session, clock.now()
        stmt = (select(NotificationDelivery)
                .where(NotificationDelivery.status.in_(DUE_STATUSES), NotificationDelivery.next_attempt_at <= now,
                       NotificationDelivery.channel.in_(names))
                .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
                .limit(limit or settings.batch_size))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=NotificationDelivery)
        for d in session.scalars(stmt):
            if d.retry_until is None:
                d.retry_until = now + timedelta(seconds=settings.retry_span_seconds)
            if d.status == "sending":
                d.last_error = f"attempt {d.attempts}: the lease ran out before its result was recorded"
                if now >= d.retry_until:
                    d.status, d.claim_token, d.lease_until = "dead", None, None
                    buried += 1
                    continue
            lease = now + timedelta(seconds=max(settings.lease_seconds, channels[d.channel].timeout))
            token = secrets.token_hex(16)
            d.status, d.claim_token, d.lease_until = "sending", token, lease
            d.next_attempt_at = lease  # due again only if nobody records a result in time
            d.attempts += 1
            d.last_attempt_at = now
            claims.append(Claim(id=d.id, token=token, channel=d.channel, attempt=d.attempts, lease_until=lease,
                                retry_until=d.retry_until))
        uow.commit()
    return claims, buried


def _renew(sessions: sessionmaker[Session], claim: Claim, until: datetime) -> Claim | None:
    with _write(sessions) as uow:
        result = uow.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == claim.id, NotificationDelivery.claim_token == claim.token,
                   NotificationDelivery.status == "sending")
            .values(lease_until=until, next_attempt_at=until))
        uow.commit()
    if not result.rowcount:
        return None
    return Claim(id=claim.id, token=claim.token, channel=claim.channel, attempt=claim.attempt, lease_until=until,
                 retry_until=claim.retry_until)


def _record(sessions: sessionmaker[Session], claim: Claim, **values: object) -> bool:
    with _write(sessions) as uow:
        result = uow.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == claim.id, NotificationDelivery.claim_token == claim.token)
            .values(claim_token=None, lease_until=None, **values))
        uow.commit()
    return bool(result.rowcount)


def send_claimed(sessions: sessionmaker[Session], clock: Clock, settings: NotifySettings, channel: Channel,
                 claim: Claim, rng: random.Random, result: DeliveryResult) -> None:
    """Send one claimed delivery and record what happened."""
    now = clock.now()
    if now + timedelta(seconds=channel.timeout) > claim.lease_until:
        # Sending could outlast the lease and overlap a take-over: extend it first.
        renewed = _renew(sessions, claim, now + timedelta(seconds=max(settings.lease_seconds, channel.timeout)))
        if renewed is None:
            result.lost += 1
            return
        claim = renewed
    try:
        with sessions() as session:
            delivery = session.get(NotificationDelivery, claim.id)
            if delivery is None or delivery.claim_token != claim.token:
                result.lost += 1
                return
            prepared = channel.prepare(session, delivery, now)
        response = channel.send(prepared, now)
    except Withheld as err:
        if _record(sessions, claim, status="withheld", last_error=str(err)[:2000], next_attempt_at=now):
            result.withheld += 1
        else:
            result.lost += 1
        return
    except SendError as err:
        _failed(sessions, clock, settings, claim, str(err), err.permanent, rng, result)
        return
    except Exception as err:  # a bug in rendering must not stop the other deliveries
        log.exception("delivery %s failed unexpectedly", claim.id)
        _failed(sessions, clock, settings, claim, f"{type(err).__name__}: {err}", False, rng, result)
        return
    if _record(sessions, claim, status="sent", sent_at=clock.now(), response=response[:500], next_attempt_at=now):
        result.sent += 1
    else:
        result.lost += 1
        log.warning("delivery %s was sent, but its lease had been taken over", claim.id)


def _failed(sessions: sessionmaker[Session], clock: Clock, settings: NotifySettings, claim: Claim, error: str,
            permanent: bool, rng: random.Random, result: DeliveryResult) -> None:
    now = clock.now()
    error = f"attempt {claim.attempt}: {error}"[:2000]
    result.errors.append(error)
    if permanent or now >= claim.retry_until:
        ok = _record(sessions, claim, status="dead", last_error=error, next_attempt_at=now)
        result.dead += ok
    else:
        ok = _record(sessions, claim, status="failed", last_error=error,
                     next_attempt_at=now + backoff(claim.attempt, settings, rng))
        result.failed += ok
    if not ok:
        result.lost += 1


def deliver_due(sessions: sessionmaker[Session], clock: Clock, settings: NotifySettings,
                channels: Mapping[str, Channel], rng: random.Random | None = None,
                max_batches: int = 20) -> DeliveryResult:
    """Claim and send batches until nothing is due (or ``max_batches`` were done)."""
    rng = rng or random.Random()
    result = DeliveryResult()
    active = dict(channels)
    failures_in_a_row = 0
    for _ in range(max_batches):
        claims, buried = claim_due(sessions, clock, settings, active)
        result.dead += buried
        if not claims and not buried:
            break
        result.claimed += len(claims)
        for claim in claims:
            if claim.channel not in active:
                _postpone(sessions, clock, settings, claim, failures_in_a_row)
                result.postponed += 1
                continue
            failed_before = result.failed
            send_claimed(sessions, clock, settings, channels[claim.channel], claim, rng, result)
            if claim.channel == "email":
                # One mail server behind every email: when it keeps failing, stop for this pass.
                failures_in_a_row = failures_in_a_row + 1 if result.failed > failed_before else 0
                if failures_in_a_row >= settings.email_breaker_failures:
                    active.pop("email", None)
        if not active:
            break
    return result


def _postpone(sessions: sessionmaker[Session], clock: Clock, settings: NotifySettings, claim: Claim,
              failures: int) -> None:
    """Hand a claimed delivery back untried: its attempt is not counted."""
    now = clock.now()
    _record(sessions, claim, status="failed", attempts=claim.attempt - 1,
            next_attempt_at=now + timedelta(seconds=settings.backoff_base_seconds),
            last_error=f"not tried: the mail server failed {failures} times in a row in this pass")
