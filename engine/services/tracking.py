"""A case as the public and the citizen read it: the tracking page, the receipt's QR
target and Open311's reads without a key all ask here.

What each reader may see is ``engine.disclosure.case_fields``; this module only
fills those fields in. A code that does not exist and a code that is not even
well-formed both give ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from typing import Any, Mapping

from ..actors import CITIZEN_ROLE, SYSTEM, citizen
from ..codes import normalise_code
from ..deadlines import lateness
from ..disclosure import CITIZEN, PUBLIC, case_fields
from ..errors import NotFound, OutOfScope
from ..files.access import FILE_REMOVED
from ..history import REMARKS
from ..models import CaseEvent, Unit
from ..uow import UnitOfWork
from .cases import CaseService
from .views import ActionOption

__all__ = ["PUBLIC", "CITIZEN", "Step", "TrackedCase", "track", "citizen_options", "citizen_step"]


@dataclass(frozen=True)
class Step:
    at: datetime
    trigger: str
    state: str


@dataclass(frozen=True)
class TrackedCase:
    reader: str
    code: str
    workflow: str
    state: str
    final: bool
    kind: str
    topic: str
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None
    appointment_at: datetime | None
    handling_unit: str
    handling_unit_name: str
    late_days: int  # working days past the deadline, 0 when not late
    overdue: bool
    steps: tuple[Step, ...]
    # The citizen's only (None for the public):
    content: str | None = None
    answer: str | None = None
    rating: str | None = None  # the citizen's latest satisfied / not_satisfied


def track(service: CaseService, code: str, reader: str = PUBLIC) -> TrackedCase | None:
    fields = case_fields(reader)
    now = service.clock.now()
    with service.uow(write=False) as uow:
        try:
            case = service.load(uow.session, SYSTEM, code)
        except (NotFound, OutOfScope):
            return None
        wf = service.workflow(case.workflow_key)
        events = list(uow.session.execute(
            select(CaseEvent.at, CaseEvent.trigger, CaseEvent.to_state, CaseEvent.actor, CaseEvent.data)
            .where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        unit_name = uow.session.scalar(select(Unit.name).where(Unit.id == case.handling_unit_id)) or ""
        final = wf.is_final(case.state)
        overdue = not final and case.due_at is not None and now > case.due_at
        late = lateness(service.calendar(uow.session), case.due_at, now) if overdue and case.due_at else 0
        ratings = [e.data.get("satisfaction") for e in events
                   if e.actor == "citizen" and isinstance(e.data, dict) and e.data.get("satisfaction")]
        return TrackedCase(
            reader=reader, code=case.code, workflow=case.workflow_key, state=case.state, final=final,
            kind=case.kind, topic=case.topic, received_at=case.received_at, updated_at=case.updated_at,
            due_at=None if final else case.due_at, appointment_at=case.appointment_at,
            handling_unit=case.handling_unit.code, handling_unit_name=unit_name, late_days=late, overdue=overdue,
            # State changes only: no remark, and nothing of a file (not even its removal).
            steps=tuple(Step(e.at, e.trigger, e.to_state) for e in events
                        if e.trigger not in REMARKS and e.trigger != FILE_REMOVED),
            content=case.content if "content" in fields else None,
            answer=case.answer if "answer" in fields else None,
            rating=(ratings[-1] if ratings else None) if "rating" in fields else None,
        )


def citizen_options(service: CaseService, code: str) -> list[ActionOption]:
    """What the workflow lets the PIN's holder do now (the caller checked the PIN)."""
    normal = normalise_code(code) or ""
    try:
        options = service.allowed_actions(citizen(normal), normal)
    except (NotFound, OutOfScope):
        return []
    return [o for o in options if o.allowed]


def _same_step(event: CaseEvent, trigger: str, data: Mapping[str, Any]) -> bool:
    if event.actor != CITIZEN_ROLE or event.trigger != trigger:
        return False
    given = {k: str(v).strip() for k, v in data.items() if str(v).strip()}
    recorded = event.data if isinstance(event.data, dict) else {}
    return (event.note or "") == given.get("note", "") and all(
        recorded.get(k) == v for k, v in given.items() if k != "note")


def citizen_step(service: CaseService, code: str, trigger: str, data: Mapping[str, Any],
                 language: str = "vi") -> bool:
    """The PIN's holder fires ``trigger`` (the caller checked the PIN). The same step
    sent again with nothing recorded since — a double click, a retried request — gets
    the first result: nothing is written twice. True when this call wrote it."""
    normal = normalise_code(code) or ""
    actor = citizen(normal, language)

    def work(uow: UnitOfWork) -> bool:
        case = service.load(uow.session, actor, normal, for_update=True)
        last = uow.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.seq == case.event_count))
        if last is not None and _same_step(last, trigger, data):
            return False
        service.fire_within(uow, actor, normal, trigger, data)
        return True

    return service.within(work)
