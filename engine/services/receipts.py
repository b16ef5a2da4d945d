"""Receipts (phiếu tiếp nhận) and the PIN printed on them.

A receipt is issued by an official or leader over the case's origin or handling unit,
for one case or for every case of a meeting at once. Each issue draws a new PIN,
stores only its hash and appends an ``issue_receipt`` event to the chain (without the
PIN): the previous receipt's PIN stops working, and the history says who printed a
receipt and when. The PIN is in the returned ``Receipt`` only, to be printed once.

Why a fast salted hash and an attempt limit rather than a slow hash alone: a 6-digit
PIN has 10^6 values, so no hash keeps it from someone who holds the table (even
Argon2 at 50 ms only makes that a day's work), while issuing a meeting's 300
receipts must stay quick. What protects a PIN is that guesses are counted in the
database per code and per address (``web.security.TrackThrottle.check_pin``): after a
few failures nothing is checked at all. The scrypt hash (small cost) keeps the PIN
out of backups and screens read by eye.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..authz import CREATE_ROLES
from ..codes import normalise_code
from ..errors import NotFound, RoleNotAllowed
from ..history import append_event
from ..models import Case, CaseEvent, Meeting, ReceiptPin, User
from ..uow import UnitOfWork
from .cases import CaseService

__all__ = ["PIN_DIGITS", "ISSUE_TRIGGER", "Receipt", "issue_receipts", "meeting_codes", "pin_matches", "hash_pin"]

PIN_DIGITS = 6
ISSUE_TRIGGER = "issue_receipt"
_SCRYPT = {"n": 2 ** 11, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class Receipt:
    """What one printed receipt carries (the citizen's own: the opinion, not their name)."""

    code: str
    pin: str
    workflow: str
    kind: str
    topic: str
    content: str
    unit: str
    unit_name: str
    received_at: datetime
    due_at: datetime | None
    received_by: str  # the official who recorded it (their full name)
    issued_at: datetime
    meeting_id: int | None


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _same(pin: str, stored: str) -> bool:
    try:
        scheme, salt, _ = stored.split("$")
        if scheme != "scrypt":
            return False
        return hmac.compare_digest(hash_pin(pin, bytes.fromhex(salt)), stored)
    except ValueError:
        return False


def pin_matches(session: Session, code: str, pin: str) -> bool:
    """Is ``pin`` the one on ``code``'s latest receipt? False for any malformed input."""
    normal = normalise_code(code) if isinstance(code, str) else None
    pin = (pin or "").strip().replace(" ", "") if isinstance(pin, str) else ""
    if normal is None or len(pin) != PIN_DIGITS or not pin.isdigit():
        return False
    stored = session.scalar(select(ReceiptPin.pin_hash).join(Case, Case.id == ReceiptPin.case_id)
                            .where(Case.code == normal))
    return stored is not None and _same(pin, stored)


def meeting_codes(service: CaseService, actor: Actor, meeting_id: int) -> list[str]:
    """The codes of a meeting's opinions the actor may see, in the order recorded."""
    with service.uow(write=False) as uow:
        meeting = uow.session.get(Meeting, meeting_id)
        if meeting is None or not (actor.is_system or actor.covers(meeting.unit.path)):
            raise NotFound(what="buổi tiếp xúc / meeting", key=str(meeting_id)[:20])
        cases = uow.session.scalars(select(Case).where(Case.meeting_id == meeting_id).order_by(Case.id))
        return [c.code for c in cases if actor.is_system or actor.covers(c.origin_unit.path, c.handling_unit.path)]


def issue_receipts(service: CaseService, actor: Actor, codes: list[str]) -> list[Receipt]:
    """New receipts for ``codes`` in one transaction: all issued, or none."""
    return service.within(lambda uow: [_issue(service, uow, actor, code) for code in codes])


def _issue(service: CaseService, uow: UnitOfWork, actor: Actor, code: str) -> Receipt:
    session, now = uow.session, service.clock.now()
    case = service.load(session, actor, code, for_update=True)
    if not actor.is_system and not actor.roles_over(case.origin_unit.path, case.handling_unit.path) & set(CREATE_ROLES):
        raise RoleNotAllowed(trigger=ISSUE_TRIGGER, roles=list(CREATE_ROLES))
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    session.execute(delete(ReceiptPin).where(ReceiptPin.case_id == case.id))
    session.add(ReceiptPin(case_id=case.id, pin_hash=hash_pin(pin), issued_at=now, issued_by_id=actor.user_id))
    # Recorded, never the PIN: whoever reads the chain sees that a receipt (and so a
    # new PIN) was handed out, by whom and when.
    append_event(session, case, at=now, actor=actor, trigger=ISSUE_TRIGGER, from_state=case.state,
                 to_state=case.state)
    case.updated_at = now
    first = session.scalar(select(CaseEvent.actor_id).where(CaseEvent.case_id == case.id, CaseEvent.seq == 1))
    received_by = session.scalar(select(User.full_name).where(User.id == first)) if first is not None else None
    return Receipt(
        code=case.code, pin=pin, workflow=case.workflow_key, kind=case.kind, topic=case.topic, content=case.content,
        unit=case.origin_unit.code, unit_name=case.origin_unit.name, received_at=case.received_at,
        due_at=case.due_at, received_by=received_by or "", issued_at=now, meeting_id=case.meeting_id,
    )
