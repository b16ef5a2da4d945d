"""Read models the service hands to the outer layers, so no ORM object (and no
lazy load on a closed session) ever leaves a unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..actors import Actor
from ..disclosure import SHOW, Contact, contact_for, disclosure
from ..errors import DomainError
from ..models import Case, CaseEvent

__all__ = ["CaseSnapshot", "EventView", "ActionOption", "snapshot", "citizen_of", "event_view"]


@dataclass(frozen=True)
class CaseSnapshot:
    code: str
    workflow: str
    state: str
    kind: str
    topic: str
    channel: str
    content: str
    origin_unit: str
    handling_unit: str
    received_at: datetime
    stage_started_at: datetime
    due_at: datetime | None
    appointment_at: datetime | None
    answer: str | None
    satisfaction: str | None
    duplicate_of: str | None
    meeting_id: int | None
    # The citizen as this snapshot's reader may see them (engine.disclosure): a
    # snapshot is made for one actor and is never handed to another.
    citizen: Contact
    version: int
    event_count: int
    # Deadline stages (engine.deadline_rules): how the last stage with a deadline ended
    # (met | met_after_extension | missed), in which state and when; None before any did.
    last_stage_outcome: str | None = None
    last_stage_state: str | None = None
    last_stage_ended_at: datetime | None = None
    # The person who must act now (engine.assignment): username and name, or None.
    assignee: str | None = None
    assignee_name: str | None = None


@dataclass(frozen=True)
class EventView:
    seq: int
    at: datetime
    actor: str
    trigger: str
    from_state: str | None
    to_state: str
    note: str
    data: dict[str, Any]
    hash: str
    prev_hash: str


@dataclass(frozen=True)
class ActionOption:
    """One trigger valid from the case's state, and whether this actor may fire it now."""

    trigger: str
    label_vi: str
    label_en: str
    dest: str
    requires: tuple[str, ...]
    optional: tuple[str, ...]
    refusal: DomainError | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def citizen_of(case: Case, actor: Actor, purpose: str = SHOW) -> Contact:
    level = disclosure(actor, case.kind, case.origin_unit.path, case.handling_unit.path, purpose=purpose)
    return contact_for(level, case.citizen_name, case.citizen_phone, case.citizen_address)


def snapshot(case: Case, actor: Actor) -> CaseSnapshot:
    return CaseSnapshot(
        code=case.code, workflow=case.workflow_key, state=case.state, kind=case.kind, topic=case.topic,
        channel=case.channel, content=case.content, origin_unit=case.origin_unit.code,
        handling_unit=case.handling_unit.code, received_at=case.received_at,
        stage_started_at=case.stage_started_at, due_at=case.due_at, appointment_at=case.appointment_at,
        answer=case.answer, satisfaction=case.satisfaction,
        duplicate_of=case.duplicate_of.code if case.duplicate_of_id else None,
        meeting_id=case.meeting_id, citizen=citizen_of(case, actor), version=case.version, event_count=case.event_count,
        last_stage_outcome=case.last_stage_outcome, last_stage_state=case.last_stage_state,
        last_stage_ended_at=case.last_stage_ended_at,
        assignee=case.assignee.username if case.assignee_id and case.assignee else None,
        assignee_name=(case.assignee.full_name or case.assignee.username) if case.assignee_id and case.assignee
        else None,
    )


def event_view(event: CaseEvent) -> EventView:
    return EventView(
        seq=event.seq, at=event.at, actor=event.actor, trigger=event.trigger, from_state=event.from_state,
        to_state=event.to_state, note=event.note, data=dict(event.data or {}), hash=event.hash,
        prev_hash=event.prev_hash,
    )
