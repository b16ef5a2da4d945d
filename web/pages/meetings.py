"""Fast intake of a meeting's opinions, and the meetings themselves.

The meeting (date, unit, place, hosts, attendees) is typed once, then one row per
opinion. The meeting and all its opinions are written in one transaction through
the case service: all recorded, or none. Opinions answered on the spot or passed
to another unit then go through the ordinary ``fire`` of the service, one by one,
after everything they need was checked up front.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from engine.authz import CREATE, decide
from engine.calendar import LOCAL_TZ
from engine.errors import DomainError, InvalidField, OutOfScope
from engine.listing import case_row
from engine.models import Case, Meeting, Unit, path_under
from engine.models.web_sessions import WebFormNonce
from engine.queries import scope_clause
from engine.services.calendars import load_calendar
from engine.services.cases import NewCase
from engine.services.fields import clean_phone, clean_text, optional_text
from engine.vocab import KINDS, TOPICS

from ..security import new_token
from .common import Ctx, Form, Forbidden, PageNotFound, redirect, render, signed_in, signed_in_post
from .data import escalation_units, intake_units, to_row
from .i18n import local_date

router = APIRouter()

DEFAULT_ROWS = 5
MORE_ROWS = 5
MAX_ROWS = 100
OUTCOMES = ("record", "answer_on_site", "escalate")
ROW_FIELDS = ("topic", "kind", "content", "name", "phone", "village", "outcome", "answer", "target", "reason")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class IntakeRow:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not any(self.values.get(k, "").strip() for k in ("content", "name", "phone", "answer"))


@dataclass
class Intake:
    programme: str
    held_on: str
    unit: str
    place: str = ""
    hosts: str = ""
    attendees: str = ""
    nonce: str = ""
    rows: list[IntakeRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def problems(self) -> int:
        return len(self.errors) + sum(len(r.errors) for r in self.rows)


def _today(ctx: Ctx) -> date:
    return ctx.c.clock.now().astimezone(LOCAL_TZ).date()


def _blank_row() -> IntakeRow:
    return IntakeRow(values={"kind": "kien_nghi", "outcome": "record"})


def _page(ctx: Ctx, intake: Intake, *, status: int = 200, alert: str | None = None) -> Response:
    assert ctx.user is not None
    today = _today(ctx)
    with ctx.c.sessions() as session:
        units = intake_units(session, ctx.user.actor, today)
        targets = escalation_units(session, today)
    if not units:
        raise Forbidden()
    t = ctx.t
    return render(
        ctx, "meeting_new.html", status=status, intake=intake, units=units, targets=targets, alert=alert,
        today=today.isoformat(), max_rows=MAX_ROWS,
        programme_choices=[(k, wf.name.get(ctx.lang)) for k, wf in ctx.c.workflows.items()],
        topic_choices=[(k, t.pick(v)) for k, v in TOPICS.items()],
        kind_choices=[(k, t.pick(v)) for k, v in KINDS.items()],
        outcome_choices=[("record", t("outcome_record")), ("answer_on_site", t("outcome_answer")),
                         ("escalate", t("outcome_escalate"))],
    )


@router.get("/meetings/new")
def intake_form(ctx: Ctx = Depends(signed_in)) -> Response:
    programme = "nghe-dan-noi" if "nghe-dan-noi" in ctx.c.workflows else next(iter(ctx.c.workflows))
    intake = Intake(programme=programme, held_on=_today(ctx).isoformat(), unit="", nonce=new_token(),
                    rows=[_blank_row() for _ in range(DEFAULT_ROWS)])
    return _page(ctx, intake)


def _read(form: Form) -> Intake:
    try:
        count = int(form.get("rows", str(DEFAULT_ROWS)))
    except ValueError:
        count = DEFAULT_ROWS
    count = max(1, min(count, MAX_ROWS))
    rows = [IntakeRow(values={f: form.get(f"r{i}_{f}") for f in ROW_FIELDS}) for i in range(count)]
    return Intake(programme=form.get("programme"), held_on=form.get("held_on"), unit=form.get("unit"),
                  place=form.get("place"), hosts=form.get("hosts"), attendees=form.get("attendees"),
                  nonce=form.get("nonce"), rows=rows)


@dataclass(frozen=True)
class Checked:
    """An intake that passed every check: what to create, and what to do next with each."""

    held_on: date
    unit: str
    place: str
    hosts: str
    attendees: int
    items: list[NewCase]
    follow_ups: list[tuple[str, dict[str, str]] | None]


def _check(ctx: Ctx, intake: Intake) -> Checked | None:
    assert ctx.user is not None
    t, c = ctx.t, ctx.c
    today = _today(ctx)
    with c.sessions() as session:
        allowed = {u.code for u in intake_units(session, ctx.user.actor, today)}
        targets = {u.code for u in escalation_units(session, today)}
    e = intake.errors
    wf = c.workflows.get(intake.programme)
    if wf is None:
        e["programme"] = t.error(InvalidField(field="workflow", problem_vi="không có chương trình này",
                                              problem_en="no such programme"))
    held_on = None
    try:
        held_on = date.fromisoformat(intake.held_on.strip())
        if held_on > today:
            e["held_on"] = t("intake_future")
        elif held_on.year < 2000:
            e["held_on"] = t("intake_bad_date")
    except ValueError:
        e["held_on"] = t("intake_bad_date")
    if intake.unit not in allowed:
        e["unit"] = t("intake_bad_unit")

    def text(errors: dict[str, str], key: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except DomainError as err:
            errors[key] = t.error(err)
            return None

    place = text(e, "place", optional_text, "place", intake.place) or ""
    hosts = text(e, "hosts", optional_text, "hosts", intake.hosts) or ""
    attendees = 0
    if intake.attendees.strip():
        raw = intake.attendees.strip()
        if raw.isdigit() and len(raw) <= 6 and int(raw) <= 100_000:
            attendees = int(raw)
        else:
            e["attendees"] = t("intake_bad_number")
    filled = [r for r in intake.rows if not r.blank]
    if not filled:
        e["rows"] = t("intake_empty")
    on_receipt = {x.trigger: x for x in wf.transitions_from(wf.initial)} if wf else {}
    items: list[NewCase] = []
    follow: list[tuple[str, dict[str, str]] | None] = []
    day = local_date(held_on) if held_on else ""
    for row in filled:
        v, re_ = row.values, row.errors
        if v.get("topic") not in TOPICS:
            re_["topic"] = t.error(InvalidField(field="topic", problem_vi="hãy chọn một lĩnh vực",
                                                problem_en="choose a topic"))
        kind = v.get("kind") or "kien_nghi"
        if kind not in KINDS:
            re_["kind"] = t.error(InvalidField(field="kind", problem_vi="không hợp lệ", problem_en="is invalid"))
        content = text(re_, "content", clean_text, "content", v.get("content", ""))
        name = text(re_, "name", optional_text, "citizen_name", v.get("name", ""))
        phone = text(re_, "phone", clean_phone, v.get("phone", ""))
        village = v.get("village") or intake.unit
        if village not in allowed:
            re_["village"] = t("intake_bad_unit")
        outcome = v.get("outcome") or "record"
        step: tuple[str, dict[str, str]] | None = None
        if outcome not in OUTCOMES:
            re_["outcome"] = t.error(InvalidField(field="outcome", problem_vi="không hợp lệ", problem_en="is invalid"))
        elif outcome != "record" and wf is not None and outcome not in on_receipt:
            re_["outcome"] = t("intake_no_trigger", label=t("outcome_answer" if outcome == "answer_on_site"
                                                          else "outcome_escalate"))
        elif outcome == "answer_on_site":
            if not v.get("answer", "").strip():
                re_["answer"] = t("intake_no_answer")
            else:
                answer = text(re_, "answer", clean_text, "answer", v.get("answer", ""))
                step = ("answer_on_site", {"answer": answer}) if answer else None
        elif outcome == "escalate":
            target = v.get("target", "")
            reason = text(re_, "reason", optional_text, "reason", v.get("reason", ""))
            if target not in targets:
                re_["target"] = t("intake_no_target")
            elif target == village:
                re_["target"] = t.error(InvalidField(field="target_unit", problem_vi="ý kiến đang ở chính đơn vị này",
                                                     problem_en="the case is already with this unit"))
            else:
                step = ("escalate", {"target_unit": target,
                                     "reason": reason or _default_reason(day)})
        if not re_ and content:
            items.append(NewCase(workflow=intake.programme, unit=village, topic=v["topic"], kind=kind,
                                 content=content, channel="meeting", citizen_name=name, citizen_phone=phone))
            follow.append(step)
    if intake.problems() or held_on is None:
        return None
    return Checked(held_on=held_on, unit=intake.unit, place=place, hosts=hosts, attendees=attendees, items=items,
                   follow_ups=follow)


def _default_reason(day: str) -> str:
    # Stored in the case's history, which is kept in Vietnamese.
    return f"Vượt thẩm quyền trả lời tại chỗ (buổi tiếp xúc ngày {day})."


def _received_at(ctx: Ctx, held_on: date) -> datetime:
    """Opinions count from the meeting's morning, or from now if that is earlier."""
    now = ctx.c.clock.now()
    morning = datetime.combine(held_on, time(8, 0), LOCAL_TZ)
    return min(now, morning)


def _nonce_meeting(ctx: Ctx, nonce: str) -> int | None | bool:
    """The meeting a nonce already saved, True if taken without one, False if free."""
    with ctx.c.sessions() as session:
        row = session.get(WebFormNonce, nonce)
        if row is None:
            return False
        return row.meeting_id if row.meeting_id is not None else True


@router.post("/meetings/new")
def intake_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    c, t, actor = ctx.c, ctx.t, ctx.user.actor
    intake = _read(form)
    if "more" in form:
        intake.rows += [_blank_row() for _ in range(min(MORE_ROWS, MAX_ROWS - len(intake.rows)))]
        return _page(ctx, intake)
    if not _NONCE.match(intake.nonce):
        intake.nonce = new_token()
        return _page(ctx, intake, status=400, alert=t("version_invalid"))
    taken = _nonce_meeting(ctx, intake.nonce)
    if taken is not False:
        if isinstance(taken, int) and not isinstance(taken, bool):
            return redirect(ctx, f"/meetings/{taken}?replayed=1")
        return _page(ctx, intake, status=409, alert=t("intake_replayed"))
    ok = _check(ctx, intake)
    if ok is None:
        return _page(ctx, intake, status=400, alert=intake.errors.get("rows") or t("intake_errors", n=intake.problems()))
    try:
        meeting_id, codes = _save(ctx, intake, ok)
    except IntegrityError:
        taken = _nonce_meeting(ctx, intake.nonce)
        if isinstance(taken, int) and not isinstance(taken, bool):
            return redirect(ctx, f"/meetings/{taken}?replayed=1")
        raise
    except DomainError as err:
        return _page(ctx, intake, status=400, alert=t.error(err))
    refused = 0
    for code, step in zip(codes, ok.follow_ups):
        if step is None:
            continue
        trigger, data = step
        try:
            c.cases.fire(actor, code, trigger, data)
        except DomainError:
            refused += 1
    query = f"saved={len(codes)}" + (f"&warn={refused}" if refused else "")
    return redirect(ctx, f"/meetings/{meeting_id}?{query}")


def _save(ctx: Ctx, intake: Intake, ok: Checked) -> tuple[int, list[str]]:
    """The meeting, its opinions and the nonce in one transaction of the case service."""
    assert ctx.user is not None
    service, actor = ctx.c.cases, ctx.user.actor
    now = service.clock.now()
    received_at = _received_at(ctx, ok.held_on)
    with service.uow() as uow:
        session = uow.session
        # First, so that a concurrent replay of this form waits here and then fails.
        session.add(WebFormNonce(nonce=intake.nonce, user_id=ctx.user.user_id, created_at=now))
        session.flush()
        unit = session.scalar(select(Unit).where(Unit.code == ok.unit))
        if unit is None:
            raise OutOfScope(case=ok.unit)
        refusal = decide(actor, CREATE, origin_path=unit.path, handling_path=unit.path, case_code=unit.code)
        if refusal is not None:
            raise OutOfScope(case=ok.unit) if isinstance(refusal, OutOfScope) else refusal
        meeting = Meeting(programme=intake.programme, held_on=ok.held_on, unit_id=unit.id, place=ok.place,
                          hosts=ok.hosts, attendees=ok.attendees, created_at=now, created_by_id=ctx.user.user_id)
        session.add(meeting)
        session.flush()
        # Inside this unit of work: the cases, their first events and outbox rows
        # commit together with the meeting and the nonce, or not at all.
        created = service.create_within(uow, actor, [_with(item, meeting.id, received_at) for item in ok.items])
        codes = [x.code for x in created]
        nonce = session.get(WebFormNonce, intake.nonce)
        assert nonce is not None
        nonce.meeting_id = meeting.id
        meeting_id = meeting.id
        uow.commit()
    return meeting_id, codes


def _with(item: NewCase, meeting_id: int, received_at: datetime) -> NewCase:
    from dataclasses import replace

    return replace(item, meeting_id=meeting_id, received_at=received_at)


# -- meetings --------------------------------------------------------------------

def _scope_units(actor: Any) -> Any:
    roots = actor.scope_paths()
    return select(Unit.id).where(or_(*[path_under(Unit.path, r) for r in roots])) if roots else None


@router.get("/meetings")
def meeting_list(ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    under = _scope_units(ctx.user.actor)
    rows: list[tuple[Any, ...]] = []
    if under is not None:
        with ctx.c.sessions() as session:
            counts = (select(Case.meeting_id, func.count().label("n")).where(Case.meeting_id.is_not(None))
                      .group_by(Case.meeting_id).subquery())
            rows = [tuple(r) for r in session.execute(
                select(Meeting.id, Meeting.held_on, Meeting.place, Meeting.attendees, Unit.name,
                       func.coalesce(counts.c.n, 0))
                .join(Unit, Unit.id == Meeting.unit_id).outerjoin(counts, counts.c.meeting_id == Meeting.id)
                .where(Meeting.unit_id.in_(under)).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(100))]
    return render(ctx, "meetings.html", meetings=rows)


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: str, saved: str = "", warn: str = "", replayed: str = "",
                 ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    actor = ctx.user.actor
    if not meeting_id.isdigit() or len(meeting_id) > 12:
        raise PageNotFound()
    now = ctx.c.clock.now()
    with ctx.c.sessions() as session:
        meeting = session.get(Meeting, int(meeting_id))
        if meeting is None or not actor.covers(meeting.unit.path):
            raise PageNotFound()
        cal = load_calendar(session, ctx.c.settings.office_close)
        cases = list(session.scalars(select(Case).where(Case.meeting_id == meeting.id, scope_clause(actor))
                                     .order_by(Case.id)))
        rows = [to_row(case_row(x), ctx.c.workflows, ctx.t, cal, now) for x in cases]
        info = {"id": meeting.id, "held_on": meeting.held_on, "place": meeting.place, "hosts": meeting.hosts,
                "attendees": meeting.attendees, "unit": meeting.unit.name,
                "programme": (ctx.c.workflows[meeting.programme].name.get(ctx.lang)
                              if meeting.programme in ctx.c.workflows else meeting.programme)}
    notices = []
    if saved.isdigit():
        notices.append(ctx.t("intake_saved", n=int(saved)))
    if replayed:
        notices.append(ctx.t("intake_replayed"))
    alert = ctx.t("intake_warn", n=int(warn)) if warn.isdigit() and int(warn) > 0 else None
    return render(ctx, "meeting.html", meeting=info, rows=rows, notices=notices, alert=alert)


__all__ = ["router"]
