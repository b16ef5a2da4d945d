"""One notice for a meeting's new opinions, instead of one per opinion.

Every case event writes its own outbox row (``engine.history``), so a meeting of
ten opinions used to give each leader ten "new opinion" items (116 after one demo).
The intake writes, in the meeting's own transaction, one ``meeting.recorded`` row
for the meeting and stamps the rows of its opinions' events with the meeting's id:
the notifications layer tells the meeting's leaders once, from that row, and leaves
them out of the stamped rows (everyone else those rows reach, a department an
opinion was passed to, webhooks, the citizen, is told as before). An opinion
recorded outside a meeting writes no stamp and stays its own notice.

The row carries counts, a date and a unit only: never a name, so nothing in it can
point at a denouncer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..models import Case, Meeting, OutboxMessage

__all__ = ["MEETING_RECORDED", "MEETING_KEY", "write_meeting_notice", "meeting_of"]

MEETING_RECORDED = "meeting.recorded"
MEETING_KEY = "meeting"  # in the payload of an event row written by a meeting's intake


def write_meeting_notice(session: Session, meeting: Meeting, codes: Sequence[str], actor: Actor,
                         now: datetime) -> OutboxMessage:
    """Stamp the pending rows of ``codes``' events and add the meeting's one row."""
    session.flush()
    case_ids = list(session.scalars(select(Case.id).where(Case.code.in_(list(codes))))) if codes else []
    stamped = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id.in_(case_ids), OutboxMessage.status == "pending"))) if case_ids else []
    answered = escalated = 0
    for row in stamped:
        payload = dict(row.payload or {})
        payload[MEETING_KEY] = meeting.id
        row.payload = payload  # reassigned: a JSON column does not see in-place edits
        if row.kind == "case.transitioned":
            answered += payload.get("trigger") == "answer_on_site"
            escalated += payload.get("trigger") == "escalate"
    notice = OutboxMessage(
        dedup_key=f"meeting:{meeting.id}:recorded", kind=MEETING_RECORDED, actor_user_id=actor.user_id,
        case_id=None, unit_id=meeting.unit.id, created_at=now,
        payload={MEETING_KEY: meeting.id, "held_on": meeting.held_on.isoformat(), "unit": meeting.unit.code,
                 "unit_name": meeting.unit.name, "programme": meeting.programme, "opinions": len(codes),
                 "answered_on_site": answered, "escalated": escalated})
    session.add(notice)
    return notice


def meeting_of(payload: object) -> int | None:
    """The meeting whose intake wrote a row, from its payload (None: not an intake's)."""
    value = payload.get(MEETING_KEY) if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
