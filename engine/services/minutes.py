"""The minutes (biên bản) of a meeting: everything the record of the meeting holds.

The meeting (programme, date, place, hosts, attendees), the officials who took part,
and each opinion heard there with what was done with it at the meeting: the answer
given on the spot, or the unit it was sent to, the reason and the appointment
promised. The minutes are a file that leaves the application, so each citizen is
named as ``engine.disclosure`` allows an export (masked at most) and a
denunciation's author not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..actors import Actor
from ..disclosure import EXPORT, Contact
from ..models import Case, CaseEvent, Unit
from ..queries import scope_clause
from .cases import CaseService
from .meetings import MeetingService, MeetingView
from .views import citizen_of

__all__ = ["MinutesOpinion", "Minutes", "meeting_minutes"]

_ON_SITE, _ESCALATE = "answer_on_site", "escalate"


@dataclass(frozen=True)
class MinutesOpinion:
    code: str
    kind: str
    topic: str
    content: str
    citizen: Contact
    village: str
    on_site_answer: str | None
    sent_to: str | None  # the unit's name
    reason: str | None
    appointment: datetime | None


@dataclass(frozen=True)
class Minutes:
    meeting: MeetingView
    held_on: date
    opinions: tuple[MinutesOpinion, ...]


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def meeting_minutes(meetings: MeetingService, actor: Actor, meeting_id: int) -> Minutes:
    """The minutes as ``actor`` may read them (``NotFound`` for a meeting they cannot see)."""
    view = meetings.get(actor, meeting_id)
    service: CaseService = meetings.cases
    with service.uow(write=False) as uow:
        session = uow.session
        cases = list(session.scalars(select(Case).where(Case.meeting_id == meeting_id, scope_clause(actor))
                                     .order_by(Case.id)))
        ids = [c.id for c in cases]
        # What was done at the meeting: the first on-site answer or escalation of each.
        steps: dict[int, CaseEvent] = {}
        if ids:
            for ev in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids),
                                                              CaseEvent.trigger.in_((_ON_SITE, _ESCALATE)))
                                      .order_by(CaseEvent.case_id, CaseEvent.seq)):
                steps.setdefault(ev.case_id, ev)
        targets = {str(e.data.get("target_unit")) for e in steps.values() if isinstance(e.data, dict)}
        names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(sorted(targets)))).tuples().all()) \
            if targets else {}
        opinions = []
        for c in cases:
            ev = steps.get(c.id)
            data = ev.data if ev is not None and isinstance(ev.data, dict) else {}
            escalated = ev is not None and ev.trigger == _ESCALATE
            opinions.append(MinutesOpinion(
                code=c.code, kind=c.kind, topic=c.topic, content=c.content,
                citizen=citizen_of(c, actor, EXPORT), village=c.origin_unit.name,
                on_site_answer=data.get("answer") if ev is not None and ev.trigger == _ON_SITE else None,
                sent_to=names.get(str(data.get("target_unit")), str(data.get("target_unit"))) if escalated else None,
                reason=data.get("reason") if escalated else None,
                appointment=_instant(data.get("appointment")) if escalated else None,
            ))
    return Minutes(meeting=view, held_on=view.held_on, opinions=tuple(opinions))
