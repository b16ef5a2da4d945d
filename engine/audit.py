"""The tamper-evident history: each case's events form a SHA-256 hash chain.

``hash = sha256(prev_hash + canonical(event))``. The canonical form is JSON with
sorted keys and no insignificant whitespace, so it does not depend on the
database's column order or on how a JSON column re-serialises its value. The
case row keeps the head hash and the event count, which is what catches the
deletion of the newest event (the shortened chain still verifies alone).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Case, CaseEvent

__all__ = ["GENESIS", "canonical_json", "link_hash", "instant_text", "canonical", "chain_hash", "ChainBreak", "verify_case", "verify_all"]

GENESIS = "0" * 64


def instant_text(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(body: dict[str, Any]) -> bytes:
    """The one canonical form every chain hashes (case histories, fund ledgers)."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def canonical(case_code: str, event: CaseEvent) -> bytes:
    body: dict[str, Any] = {
        "case": case_code,
        "seq": event.seq,
        "at": instant_text(event.at),
        "actor": event.actor,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "note": event.note or "",
        "data": event.data or {},
    }
    return canonical_json(body)


def chain_hash(prev_hash: str, case_code: str, event: CaseEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(case_code, event)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    case_code: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "head"
        return f"{self.case_code} {where}: {self.problem}"


def _check(case: Case, events: list[CaseEvent]) -> ChainBreak | None:
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainBreak(case.code, expected_seq, f"event #{expected_seq} is missing (found #{event.seq})")
        if event.prev_hash != prev:
            return ChainBreak(case.code, event.seq, "does not link to the previous event")
        if chain_hash(prev, case.code, event) != event.hash:
            return ChainBreak(case.code, event.seq, "content does not match its hash (edited)")
        prev = event.hash
    if len(events) != case.event_count or prev != case.head_hash:
        return ChainBreak(case.code, None, f"history ends at #{len(events)} but the case records #{case.event_count}")
    return None


def verify_case(session: Session, case: Case) -> ChainBreak | None:
    events = list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq, CaseEvent.id))
    )
    return _check(case, events)


def _grouped(session: Session, batch: int) -> Iterator[tuple[Case, list[CaseEvent]]]:
    # Stream cases in id order and their events in (case, seq) order side by side:
    # memory stays bounded by one case's history, whatever the database holds.
    case_rows = session.execute(select(Case).order_by(Case.id).execution_options(yield_per=batch))
    event_rows = session.execute(
        select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq, CaseEvent.id).execution_options(yield_per=batch)
    )
    try:
        events = event_rows.scalars()
        pending = next(events, None)
        for case in case_rows.scalars():
            mine: list[CaseEvent] = []
            while pending is not None and pending.case_id <= case.id:
                if pending.case_id == case.id:
                    mine.append(pending)
                pending = next(events, None)
            yield case, mine
    finally:
        # PostgreSQL streams through server-side cursors: close them even when
        # the caller stops at the first break.
        case_rows.close()
        event_rows.close()


def verify_all(session: Session, batch: int = 1000) -> Iterator[ChainBreak]:
    """Yield every broken chain, in case id order. Close the iterator (or exhaust
    it) to release the database cursors."""
    groups = _grouped(session, batch)
    try:
        for case, events in groups:
            broken = _check(case, events)
            if broken is not None:
                yield broken
    finally:
        groups.close()
