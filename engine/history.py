"""Appending to a case's history: the only way an event row is ever written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .actors import Actor
from .audit import chain_hash
from .batched_rows import add_row
from .models import Case, CaseEvent, OutboxMessage

__all__ = ["append_event", "REMARKS"]

# Entries that change no state: supervision remarks, and a receipt (a new PIN) issued.
REMARKS = frozenset({"remark", "urge", "confirm", "issue_receipt"})
OUTBOX = OutboxMessage.__table__


def append_event(session: Session, case: Case, *, at: datetime, actor: Actor, trigger: str,
                 from_state: str | None, to_state: str, note: str = "", data: dict[str, Any] | None = None) -> CaseEvent:
    event = CaseEvent(
        case=case, seq=case.event_count + 1, at=at, actor_id=actor.user_id, actor=actor.username,
        trigger=trigger, from_state=from_state, to_state=to_state, note=note, data=data or {},
        prev_hash=case.head_hash,
    )
    event.hash = chain_hash(event.prev_hash, case.code, event)
    session.add(event)
    # Bumps the case's version too, so two writers appending at once conflict
    # on the case row instead of forking the chain.
    case.event_count = event.seq
    case.head_hash = event.hash
    # Every event is also a fact for the outer world (webhooks, inboxes); written
    # here, in the same transaction, it cannot be lost or sent for a rolled-back change.
    # Written with the flush as one multi-row INSERT (engine.batched_rows).
    add_row(session, OUTBOX, dict(
        dedup_key=f"case:{case.code}:event:{event.seq}",
        kind="case.created" if from_state is None else ("case.remark" if from_state == to_state and trigger in REMARKS
                                                         else "case.transitioned"),
        actor_user_id=actor.user_id, recipient_user_id=None, unit_id=case.handling_unit.id, created_at=at,
        status="pending", processed_at=None,
        payload={"code": case.code, "workflow": case.workflow_key, "seq": event.seq, "trigger": trigger,
                 "from": from_state, "to": to_state, "topic": case.topic, "kind": case.kind,
                 "origin_unit": case.origin_unit.code, "handling_unit": case.handling_unit.code,
                 "due_at": case.due_at.isoformat() if case.due_at else None, "actor": actor.username,
                 # The time promised to the citizen, for their message (engine.message_facts).
                 "appointment": case.appointment_at.isoformat() if case.appointment_at else None},
    ), case=case)
    return event
