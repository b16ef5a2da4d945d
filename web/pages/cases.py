"""The overdue board, a case's page with its actions, supervision remarks and the
export of a case's history. The case list is ``web.pages.case_lists``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.actors import CITIZEN_ROLE
from engine.audit import verify_case
from engine.calendar import LOCAL_TZ
from engine.codes import normalise_code
from engine.deadlines import lateness
from engine.errors import (Conflict, DomainError, InvalidField, InvalidTransition, MissingField, NotFound,
                           OutOfScope, RoleNotAllowed, StaleVersion)
from engine.authz import REMARK_KINDS, remark_kinds
from engine.models import Case, Meeting, Unit, User
from engine.services.calendars import load_calendar
from engine.services.views import ActionOption, CaseSnapshot, EventView
from engine.tabular import CSV_MEDIA_TYPE
from engine.vocab import SATISFACTION

from .admin import dead_letters
from .case_files import files_by_step
from .casework_panel import DONE_NOTICES, FORMS, case_panel
from .casework_rows import step_details, step_people
from .common import Ctx, Form, PageNotFound, redirect, render, signed_in, signed_in_post, unit_names
from .data import board as board_query, escalation_units
from .duplicates import case_duplicates
from .history_csv import history_csv
from .i18n import Translator, local_dt
from .support import board_section
from .uploads import UploadForm, signed_in_upload

router = APIRouter()

FILE_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,.jpg,.jpeg,.png,.webp,.pdf"
ACTION_FIELDS = ("answer", "target_unit", "reason", "appointment", "satisfaction", "duplicate_of", "note")


def _calendar(ctx: Ctx, session: Any) -> Any:
    return load_calendar(session, ctx.c.settings.office_close)


# -- the overdue board -------------------------------------------------------------

@router.get("/")
def overdue_board(ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    c = ctx.c
    now = c.clock.now()
    with c.sessions() as session:
        cal = _calendar(ctx, session)
        data = board_query(session, ctx.user.actor, c.workflows, ctx.t, cal, now)
    return render(ctx, "board.html", board=data, now=now, dead_letters=dead_letters(ctx),
                  support=board_section(ctx))


# -- a case ------------------------------------------------------------------------

@dataclass
class FormState:
    """An action form sent back with an error: which form, what was typed, what is wrong."""

    trigger: str
    values: dict[str, str] = field(default_factory=dict)
    error: str = ""
    field: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    who: str
    label: str
    from_label: str
    to_label: str
    note: str
    details: list[tuple[str, str]]
    remark: bool
    hash: str


def _timeline(ctx: Ctx, wf: Any, events: list[EventView], names: dict[str, str], people: dict[str, str]
              ) -> list[TimelineEntry]:
    t: Translator = ctx.t
    out = []
    for e in events:
        details: list[tuple[str, str]] = []
        d = e.data
        if isinstance(d.get("answer"), str):
            details.append((t("answer"), d["answer"]))
        if isinstance(d.get("reason"), str):
            details.append((t.field("reason"), d["reason"]))
        if isinstance(d.get("target_unit"), str):
            details.append((t.field("target_unit"), names.get(d["target_unit"], d["target_unit"])))
        if isinstance(d.get("appointment"), str):
            details.append((t("appointment"), _iso_local(d["appointment"])))
        if isinstance(d.get("satisfaction"), str):
            details.append((t("satisfaction"), t.pick(SATISFACTION.get(d["satisfaction"]), d["satisfaction"])))
        if isinstance(d.get("duplicate_of"), str):
            details.append((t("duplicate_of"), d["duplicate_of"]))
        if d.get("due_at") and isinstance(d["due_at"], str):
            details.append((t("due_was_set"), _iso_local(d["due_at"])))
        details += step_details(t, d, people)
        out.append(TimelineEntry(
            seq=e.seq, at=e.at, who=people.get(e.actor) or (t("who_citizen") if e.actor == CITIZEN_ROLE else e.actor),
            label=t.trigger(e.trigger, wf),
            from_label=_state_label(wf, e.from_state, ctx.lang) if e.from_state else "",
            to_label=_state_label(wf, e.to_state, ctx.lang), note=e.note, details=details,
            remark=e.trigger in REMARK_KINDS, hash=e.hash,
        ))
    return out


def _state_label(wf: Any, state: str | None, lang: str) -> str:
    if state is None:
        return ""
    return wf.label(state, lang) if state in wf.spec.states else state


def _iso_local(text: str) -> str:
    try:
        return local_dt(datetime.fromisoformat(text))
    except ValueError:
        return text


def _case_page(ctx: Ctx, code: str, *, form_state: FormState | None = None, alert: str | None = None,
               notice: str | None = None, status: int = 200) -> Response:
    assert ctx.user is not None
    c, actor = ctx.c, ctx.user.actor
    try:
        snap = c.cases.get(actor, code)
        events = c.cases.history(actor, code)
        options = [o for o in c.cases.allowed_actions(actor, code) if o.allowed]
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    wf = c.workflows[snap.workflow]
    now = c.clock.now()
    needs_units = any("target_unit" in o.requires + o.optional for o in options)
    with c.sessions() as session:
        cal = _calendar(ctx, session)
        codes = {snap.origin_unit, snap.handling_unit} | {e.data.get("target_unit") for e in events
                                                            if isinstance(e.data.get("target_unit"), str)}
        names = unit_names(session, codes)
        people = dict(session.execute(select(User.username, User.full_name)
                                      .where(User.username.in_({e.actor for e in events}.union(
                                          *(step_people(e.data) for e in events))))).tuples().all())
        people = {u: (f"{n} ({u})" if n else u) for u, n in people.items()}
        paths = dict(session.execute(select(Unit.code, Unit.path)
                                     .where(Unit.code.in_({snap.origin_unit, snap.handling_unit}))).tuples().all())
        meeting = session.get(Meeting, snap.meeting_id) if snap.meeting_id else None
        meeting_info = (meeting.id, meeting.held_on, meeting.place) if meeting else None
        targets = escalation_units(session, cal.local_date(now), exclude=snap.handling_unit) if needs_units else []
        duplicates, merged = case_duplicates(session, actor, snap.code)
    final = wf.is_final(snap.state)
    overdue = snap.due_at is not None and not final and snap.due_at < now
    late = lateness(cal, snap.due_at, now) if overdue and snap.due_at else 0
    auditor_only = actor.has_role("auditor") and not options
    if form_state is not None and (form_state.trigger in ("__remark__", *FORMS)
                                   or form_state.trigger in {o.trigger for o in options}):
        alert = None  # the message is shown next to its form
    return render(
        ctx, "case.html", status=status, snap=snap, wf=wf, state_label=_state_label(wf, snap.state, ctx.lang),
        timeline=_timeline(ctx, wf, events, names, people), options=options, names=names, targets=targets,
        meeting=meeting_info, overdue=overdue, late=late, final=final,
        auditor_only=auditor_only, form_state=form_state, alert=alert, notice=notice,
        remark_kinds=remark_kinds(actor, origin_path=paths.get(snap.origin_unit, ""),
                                  handling_path=paths.get(snap.handling_unit, "")), min_appointment=local_dt(now, "%Y-%m-%dT%H:%M"),
        files=files_by_step(ctx, snap.code), file_accept=FILE_ACCEPT, can_remove_files=actor.has_role("admin"),
        consent=c.consents.status(actor, snap.code), panel=case_panel(ctx, snap), duplicates=duplicates,
        merged=merged,
    )


@router.get("/cases/{code}")
def case_page(code: str, done: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    notice = None
    if done:
        notice = _done_notice(ctx, code, done)
    return _case_page(ctx, code[:60], notice=notice)


def _done_notice(ctx: Ctx, code: str, done: str) -> str | None:
    if done in ("remark", "file_removed"):
        return ctx.t("remark_done") if done == "remark" else ctx.t("file_removed_done")
    if done == "consent":
        return ctx.t("consent_withdrawn_done")
    if done in DONE_NOTICES:
        return ctx.t(DONE_NOTICES[done])
    for wf in ctx.c.workflows.values():
        for t in wf.spec.transitions:
            if t.trigger == done:
                return ctx.t("action_done", label=t.label.get(ctx.lang))
    return None


def _status_for(err: DomainError) -> int:
    if isinstance(err, (MissingField, InvalidField)):
        return 400
    if isinstance(err, RoleNotAllowed):
        return 403
    if isinstance(err, (StaleVersion, InvalidTransition, Conflict)):
        return 409
    return 400


def _refused(ctx: Ctx, code: str, state: FormState, err: DomainError) -> Response:
    """The case's page again, with the form as typed and what is wrong next to it."""
    state.error = ctx.t.error(err)
    state.field = err.params.get("field") if isinstance(err.params.get("field"), str) else None
    return _case_page(ctx, code, form_state=state, alert=state.error, status=_status_for(err))


def _local_instant(ctx: Ctx, text: str) -> str:
    """``datetime-local`` input (Vietnam wall-clock time) → ISO 8601 with offset."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        naive = None
    if naive is None or naive.tzinfo is not None or not 2000 <= naive.year <= 2200:
        raise InvalidField(field="appointment", problem_vi=Translator("vi")("appointment_invalid"),
                           problem_en=Translator("en")("appointment_invalid"))
    return naive.replace(tzinfo=LOCAL_TZ).isoformat()


def _version(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 9 else None


@router.post("/cases/{code}/act")
def act(code: str, checked: tuple[Ctx, UploadForm] = Depends(signed_in_upload)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    code = code[:60]
    trigger = form.get("trigger")[:64]
    values = {name: form.get(name) for name in ACTION_FIELDS if name in form}
    state = FormState(trigger=trigger, values=values)
    version = _version(form.get("version"))
    if version is None:
        state.error = ctx.t("version_invalid")
        return _case_page(ctx, code, form_state=state, alert=state.error, status=400)
    try:
        options = {o.trigger: o for o in ctx.c.cases.allowed_actions(ctx.user.actor, code)}
        option: ActionOption | None = options.get(trigger)
        accepted = (option.requires + option.optional if option else ()) + ("note",)
        data: dict[str, Any] = {}
        for name in accepted:
            value = values.get(name, "")
            if name == "appointment" and value.strip():
                value = _local_instant(ctx, value)
            data[name] = value
        too_many = form.refusal(ctx.c.files.limits.max_files_per_step)
        if too_many is not None:
            raise too_many
        ctx.c.cases.fire(ctx.user.actor, code, trigger, data, expected_version=version, uploads=form.files_for())
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except DomainError as err:
        return _refused(ctx, code, state, err)
    return redirect(ctx, f"/cases/{_code_in_url(ctx, code)}?done={trigger}")


def _code_in_url(ctx: Ctx, code: str) -> str:
    return normalise_code(code) or "x"


@router.post("/cases/{code}/remark")
def remark(code: str, checked: tuple[Ctx, UploadForm] = Depends(signed_in_upload)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    code = code[:60]
    kind = form.get("kind") or "remark"
    note = form.get("note")
    state = FormState(trigger="__remark__", values={"kind": kind, "note": note})
    try:
        snap = ctx.c.cases.get(ctx.user.actor, code)
        version = _version(form.get("version"))
        if version is None:
            raise InvalidField(field="version", problem_vi=Translator("vi")("version_invalid"),
                               problem_en=Translator("en")("version_invalid"))
        if version != snap.version:
            # A replayed or stale form: the case moved on since it was shown.
            raise StaleVersion(case=snap.code, expected=version, actual=snap.version)
        too_many = form.refusal(ctx.c.files.limits.max_files_per_step)
        if too_many is not None:
            raise too_many
        ctx.c.cases.remark(ctx.user.actor, code, note, kind=kind, expected_version=version, uploads=form.files_for())
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except DomainError as err:
        return _refused(ctx, code, state, err)
    return redirect(ctx, f"/cases/{snap.code}?done=remark")


# -- export ----------------------------------------------------------------------

def _export(ctx: Ctx, code: str) -> tuple[CaseSnapshot, list[EventView], str | None]:
    assert ctx.user is not None
    try:
        snap = ctx.c.cases.get(ctx.user.actor, code[:60])
        events = ctx.c.cases.history(ctx.user.actor, code[:60])
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    with ctx.c.sessions() as session:
        case = session.scalar(select(Case).where(Case.code == snap.code))
        broken = verify_case(session, case) if case is not None else None
    return snap, events, (str(broken) if broken else None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/cases/{code}/history.json")
def export_json(code: str, ctx: Ctx = Depends(signed_in)) -> Response:
    snap, events, broken = _export(ctx, code)
    body = {
        # The citizen's identity is not exported: the chain holds only its digest.
        "case": {"code": snap.code, "workflow": snap.workflow, "state": snap.state, "kind": snap.kind,
                 "topic": snap.topic, "channel": snap.channel, "origin_unit": snap.origin_unit,
                 "handling_unit": snap.handling_unit, "received_at": _iso(snap.received_at),
                 "due_at": _iso(snap.due_at), "version": snap.version, "event_count": snap.event_count},
        "events": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "trigger": e.trigger,
                    "from": e.from_state, "to": e.to_state, "note": e.note, "data": e.data,
                    "prev_hash": e.prev_hash, "hash": e.hash} for e in events],
        "verification": {"ok": broken is None, "problem": broken, "checked_at": ctx.c.clock.now().isoformat()},
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=2), media_type="application/json",
                    headers=_download_headers(ctx, f"{snap.code}-history.json", broken))


@router.get("/cases/{code}/history.csv")
def export_csv(code: str, ctx: Ctx = Depends(signed_in)) -> Response:
    snap, events, broken = _export(ctx, code)
    with ctx.c.sessions() as session:
        names = unit_names(session, {str(e.data["target_unit"]) for e in events if e.data.get("target_unit")})
        people = dict(session.execute(select(User.username, User.full_name)
                                      .where(User.username.in_({e.actor for e in events}))).tuples().all())
    entries = _timeline(ctx, ctx.c.workflows[snap.workflow], events, names, {u: n or u for u, n in people.items()})
    return Response(history_csv(ctx.t, snap.code, events, entries, broken, ctx.c.clock.now()),
                    media_type=CSV_MEDIA_TYPE, headers=_download_headers(ctx, f"{snap.code}-history.csv", broken))


def _download_headers(ctx: Ctx, filename: str, broken: str | None) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store",
            "x-chain-verified": "ok" if broken is None else "broken"}
