"""Case histories for the Front's auditors: one case, or every case of a unit in a
period, with each chain's verification, as JSON (the tables a person reads, CSV and
Excel, are ``engine.reports.history_tables``).

Each exported event carries its ``prev_hash`` and ``hash``, so anyone can recompute
every chain offline (``engine.audit.canonical``): events hold no personal data, only
the citizen's salted digest (``engine.citizen_digest``), which is safe to hand out.
The case's contact is what ``engine.disclosure`` allows an export (masked at most;
a denouncer's, nothing).

Cases are read in batches with their events, so memory holds one batch whatever
the unit's size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from ..actors import Actor
from ..audit import _check as check_chain  # the verdict verify_case gives, on events already loaded
from ..calendar import LOCAL_TZ
from ..codes import normalise_code
from ..disclosure import EXPORT, is_confidential
from ..errors import NotFound, RoleNotAllowed
from ..models import Attachment, Case, CaseEvent, Unit, in_units, path_under
from ..services.views import citizen_of
from .period import Period
from .scope import AUDIT_ROLES, resolve_scope

__all__ = ["CaseSelection", "select_case", "select_unit", "iter_case_exports", "history_json",
           "verify_cases", "CaseCheck", "BATCH"]

BATCH = 200


@dataclass(frozen=True)
class CaseSelection:
    """Which cases an export covers, already checked against the actor's grants."""

    case_ids: tuple[int, ...] | None  # one case, or None for the unit query below
    unit_code: str | None
    unit_paths: tuple[str, ...]
    period: Period | None

    def label(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "period": self.period.as_dict() if self.period else None}


def select_case(session: Session, actor: Actor, code: str) -> CaseSelection:
    normal = normalise_code(code) if isinstance(code, str) else None
    case = session.scalar(select(Case).where(Case.code == normal)) if normal else None
    if case is None or not (actor.is_system or actor.covers(case.origin_unit.path, case.handling_unit.path)):
        raise NotFound(what="ý kiến / case", key=str(code)[:40])
    if not actor.is_system and not actor.roles_over(case.origin_unit.path, case.handling_unit.path) & set(AUDIT_ROLES):
        raise RoleNotAllowed(trigger="audit", roles=list(AUDIT_ROLES))
    return CaseSelection((case.id,), None, (), None)


def select_unit(session: Session, actor: Actor, unit_code: str, period: Period) -> CaseSelection:
    scope = resolve_scope(session, actor, unit_code, AUDIT_ROLES)
    return CaseSelection(None, unit_code, scope.paths, period)


def _case_ids(session: Session, sel: CaseSelection) -> Iterator[list[int]]:
    if sel.case_ids is not None:
        yield list(sel.case_ids)
        return
    assert sel.period is not None
    origin, handling = aliased(Unit), aliased(Unit)
    in_origin = select(origin.id).where(or_(*[path_under(origin.path, p) for p in sel.unit_paths]))
    in_handling = select(handling.id).where(or_(*[path_under(handling.path, p) for p in sel.unit_paths]))
    last = 0
    while True:
        ids = list(session.scalars(
            select(Case.id).where(Case.id > last, Case.received_at >= sel.period.start_utc,
                                  Case.received_at < sel.period.end_utc,
                                  or_(in_units(Case.origin_unit_id, in_origin), in_units(Case.handling_unit_id, in_handling)))
            .order_by(Case.id).limit(BATCH)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(LOCAL_TZ).isoformat() if at else None


def _files(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    rows = session.execute(select(Attachment, CaseEvent.seq).join(CaseEvent, Attachment.event_id == CaseEvent.id)
                           .where(Attachment.case_id.in_(ids))
                           .order_by(Attachment.case_id, CaseEvent.seq, Attachment.position)).tuples()
    for a, seq in rows:
        out[a.case_id].append({"seq": seq, "sha256": a.sha256, "size": a.size, "type": a.media_type, "name": a.name,
                               "removed_at": _iso(a.deleted_at), "removed_reason": a.deleted_reason})
    return out


def _batches(session: Session, sel: CaseSelection
             ) -> Iterator[tuple[Case, list[CaseEvent], list[dict[str, Any]]]]:
    for ids in _case_ids(session, sel):
        cases = list(session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).unique())
        events: dict[int, list[CaseEvent]] = {i: [] for i in ids}
        for ev in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids))
                                  .order_by(CaseEvent.case_id, CaseEvent.seq, CaseEvent.id)):
            events[ev.case_id].append(ev)
        files = _files(session, ids)
        for case in cases:
            yield case, events[case.id], files[case.id]
        session.expunge_all()  # keep memory to one batch


@dataclass(frozen=True)
class CaseCheck:
    code: str
    unit: str
    workflow: str
    state: str
    event_count: int
    ok: bool
    problem: str | None
    seq: int | None


def verify_cases(session: Session, sel: CaseSelection) -> Iterator[CaseCheck]:
    """The chain verification of every selected case, one line each."""
    for case, events, _ in _batches(session, sel):
        brk = check_chain(case, events)
        yield CaseCheck(case.code, case.origin_unit.code, case.workflow_key, case.state, case.event_count, brk is None,
                        brk.problem if brk else None, brk.seq if brk else None)


def iter_case_exports(session: Session, actor: Actor, sel: CaseSelection) -> Iterator[dict[str, Any]]:
    """One dictionary per case: the case, its contact as the actor may see it, its
    verification, every event, and its files with their hashes (the bytes never leave;
    a denunciation's file names neither, as they may name its author)."""
    for case, events, files in _batches(session, sel):
        case_files = [{**f, "name": None} if is_confidential(case.kind) else f for f in files]
        brk = check_chain(case, events)
        out_events = [{
            "seq": ev.seq, "at": _iso(ev.at), "actor": ev.actor, "trigger": ev.trigger, "from": ev.from_state,
            "to": ev.to_state, "note": ev.note or "", "data": dict(ev.data or {}), "prev_hash": ev.prev_hash,
            "hash": ev.hash,
        } for ev in events]
        yield {
            "code": case.code, "workflow": case.workflow_key, "kind": case.kind, "topic": case.topic,
            "channel": case.channel, "state": case.state, "origin_unit": case.origin_unit.code,
            "handling_unit": case.handling_unit.code, "received_at": _iso(case.received_at),
            "due_at": _iso(case.due_at), "content": case.content, "answer": case.answer,
            "satisfaction": case.satisfaction,
            "citizen": citizen_of(case, actor, EXPORT).as_dict(),
            "event_count": case.event_count, "head_hash": case.head_hash,
            "verification": {"ok": brk is None, "problem": brk.problem if brk else None,
                             "seq": brk.seq if brk else None},
            "events": out_events,
            "files": case_files,
        }


def history_json(session: Session, actor: Actor, sel: CaseSelection, *, now: datetime) -> Iterator[str]:
    """The export as JSON text, in chunks (a unit's history may be large)."""
    head = {"exported_at": now.isoformat(), "exported_by": actor.username, **sel.label()}
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield opening + ', "cases": ['
    count = broken = 0
    for item in iter_case_exports(session, actor, sel):
        yield ("," if count else "") + "\n" + json.dumps(item, ensure_ascii=False)
        count += 1
        broken += 0 if item["verification"]["ok"] else 1
    yield f'\n], "summary": {json.dumps({"cases": count, "broken": broken})}}}\n'
