"""Appending to a case's history: the only way an event row is ever written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .actors import Actor
from .audit import chain_hash
from .models import Case, CaseEvent

__all__ = ["append_event"]


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
    return event
