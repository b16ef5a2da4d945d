"""The case list of an office: filters saved in the address, a result count, keyset
pages, the export of the list as filtered, and bulk work on a selection.

Every rule is the engine's: the query and its scope (``engine.listing``), who may
search by citizen (``engine.citizen_search``), what an export carries
(``engine.list_export``), and the bulk loop with its per-case transactions
(``engine.services.bulk``). This module reads the address and renders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from engine.assignment import people_in_scope
from engine.calendar import LOCAL_TZ
from engine.citizen_search import may_search_citizens
from engine.errors import (DomainError, InvalidField, InvalidTransition, NotFound, OutOfScope, RoleNotAllowed,
                           StaleVersion)
from engine.list_export import COLUMNS, list_csv, list_rows, list_xlsx
from engine.listing import CasePage, CaseQuery, count_cases, page_cases
from engine.models import Meeting, Unit, User, path_under
from engine.pagination import MAX_CURSOR
from engine.services.bulk import MAX_SELECTION, BulkResult, Selected, bulk_assign, bulk_fire
from engine.services.calendars import load_calendar
from engine.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from engine.vocab import CHANNELS, KINDS, TOPICS
from engine.workflow import final_states

from .admin import dead_letters
from .common import Ctx, Form, render, signed_in, signed_in_post
from .casework_rows import annotate
from .data import COUNT_CAP, escalation_units, scope_units, to_row
from .i18n import local_date
from .support_forms import fresh_nonce

__all__ = ["router", "ListForm", "read_list_form"]

router = APIRouter()

BULK_ACTIONS = {"escalate": "lists_bulk_escalate", "merge": "lists_bulk_merge", "assign": "finish_bulk_assign"}
BULK_FIELDS = {"escalate": ("target_unit", "reason", "appointment"), "merge": ("duplicate_of", "note"),
               "assign": ("assignee",)}
# The assignee filter: mine, nobody's, or a person's (a username).
ME, NOBODY = "me", "none"
MEETING_CHOICES = 200
PAGE_SIZE = 50


@dataclass(frozen=True)
class ListForm:
    """The filters of ``/cases`` as typed in the address: shown back in the form,
    carried to the next page and to the export. ``to_case_query`` is the engine's."""

    state: str = ""  # "open", a state name or "" (all)
    unit: str = ""
    topic: str = ""
    kind: str = ""
    channel: str = ""
    programme: str = ""
    meeting: str = ""
    overdue: bool = False
    since: str = ""  # local dates, YYYY-MM-DD (the browser's date input)
    until: str = ""
    q: str = ""
    citizen: str = ""
    assignee: str = ""  # ME, NOBODY, a username or "" (anyone)
    sort: str = "due"  # "due" or "new"
    after: str = ""  # the engine's cursor of the page
    n: int = 1  # which page this is, for the reader

    def params(self, **override: Any) -> dict[str, str]:
        values = {"q": self.q, "citizen": self.citizen, "state": self.state, "unit": self.unit,
                  "topic": self.topic, "kind": self.kind, "channel": self.channel, "programme": self.programme,
                  "meeting": self.meeting, "overdue": "1" if self.overdue else "", "since": self.since,
                  "until": self.until, "assignee": self.assignee, "sort": self.sort, "after": self.after, "n": str(self.n)}
        values.update({k: str(v) for k, v in override.items()})
        return {k: v for k, v in values.items()
                if v and not (k == "sort" and v == "due") and not (k == "n" and v == "1")}

    def url(self, path: str = "/cases", **override: Any) -> str:
        query = urlencode(self.params(**override))
        return f"{path}?{query}" if query else path

    def to_case_query(self, finals: list[str], now: datetime) -> CaseQuery:
        return CaseQuery(
            states=(self.state,) if self.state and self.state != "open" else (), open_only=self.state == "open",
            unit=self.unit or None, topics=(self.topic,) if self.topic else (), kinds=(self.kind,) if self.kind else (),
            channel=self.channel or None, workflow=self.programme or None,
            meeting=int(self.meeting) if self.meeting else None, overdue_at=now if self.overdue else None,
            received_from=_day_start(self.since), received_before=_day_start(self.until, 1),
            final_states=finals, text=self.q or None, citizen=self.citizen or None,
            unassigned=self.assignee == NOBODY, order="received" if self.sort == "new" else "due")


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2200 else None


def _day_start(text: str, plus: int = 0) -> datetime | None:
    day = _day(text)
    return datetime.combine(day + timedelta(days=plus), time(), LOCAL_TZ) if day else None


def _clean(text: str, limit: int) -> str:
    return text.replace("\x00", "").strip()[:limit]  # PostgreSQL refuses NUL in text


def _states(ctx: Ctx) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for wf in ctx.c.workflows.values():
        for name in wf.spec.states:
            seen.setdefault(name, wf.label(name, ctx.lang))
    return list(seen.items())


def read_list_form(ctx: Ctx, request: Request) -> ListForm:
    """The filters in the address; a value that is not one of the choices is dropped
    (a shared link from another version of the page still opens)."""
    p = request.query_params
    states = dict(_states(ctx))
    state, meeting, n = p.get("state", ""), p.get("meeting", ""), p.get("n", "")
    return ListForm(
        state=state if state == "open" or state in states else "",
        unit=_clean(p.get("unit", ""), 32), topic=p.get("topic", "") if p.get("topic") in TOPICS else "",
        kind=p.get("kind", "") if p.get("kind") in KINDS else "",
        channel=p.get("channel", "") if p.get("channel") in CHANNELS else "",
        programme=p.get("programme", "") if p.get("programme") in ctx.c.workflows else "",
        meeting=meeting if meeting.isascii() and meeting.isdigit() and len(meeting) <= 9 else "",
        overdue=p.get("overdue") in ("1", "on", "true"),
        since=p.get("since", "") if _day(p.get("since", "")) else "",
        until=p.get("until", "") if _day(p.get("until", "")) else "",
        q=_clean(p.get("q", ""), 200), citizen=_clean(p.get("citizen", ""), 100),
        assignee=_clean(p.get("assignee", ""), 64),
        sort=p.get("sort") if p.get("sort") in ("due", "new") else "due",  # type: ignore[arg-type]
        after=p.get("after", "") if len(p.get("after", "")) <= MAX_CURSOR else "",
        n=int(n) if n.isascii() and n.isdigit() and 0 < len(n) <= 6 and int(n) > 0 else 1)


def _query(ctx: Ctx, form: ListForm, session: Any) -> tuple[ListForm, CaseQuery, str | None]:
    """The engine's query; a filter the engine refuses is not the reader's fault: an
    unknown unit finds nothing, a citizen search the role may not make is dropped
    with a word why."""
    assert ctx.user is not None
    alert = None
    if form.citizen and not may_search_citizens(ctx.user.actor):
        form, alert = replace(form, citizen=""), "lists_citizen_hint"
    query = form.to_case_query(final_states(ctx.c.workflows), ctx.c.clock.now())
    if form.unit and session.scalar(select(Unit.id).where(Unit.code == form.unit)) is None:
        query = replace(query, unit=None, codes=("-",))  # a code no case has: nothing found
    if form.assignee == ME:
        query = replace(query, assignee_id=ctx.user.actor.user_id or -1)
    elif form.assignee and form.assignee != NOBODY:
        # Only the cases of the reader's units are read: a name from elsewhere finds nothing.
        person = session.scalar(select(User.id).where(User.username == form.assignee))
        query = replace(query, assignee_id=person if person is not None else -1)
    return form, query, alert


def _page(session: Any, ctx: Ctx, form: ListForm, query: CaseQuery) -> CasePage:
    assert ctx.user is not None
    try:
        return page_cases(session, ctx.user.actor, query, limit=PAGE_SIZE, cursor=form.after or None)
    except InvalidField as err:
        if err.params.get("field") == "cursor":  # a foreign cursor starts over
            return page_cases(session, ctx.user.actor, query, limit=PAGE_SIZE)
        raise


def _meetings(session: Any, ctx: Ctx, chosen: str) -> list[tuple[str, str]]:
    assert ctx.user is not None
    roots = ctx.user.actor.scope_paths()
    if not roots:
        return []
    stmt = (select(Meeting).join(Unit, Unit.id == Meeting.unit_id).where(or_(*[path_under(Unit.path, r) for r in roots]))
            .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(MEETING_CHOICES))
    found = list(session.scalars(stmt))
    if chosen and all(str(m.id) != chosen for m in found):
        extra = session.get(Meeting, int(chosen))
        if extra is not None and ctx.user.actor.covers(extra.unit.path):
            found.append(extra)
    return [(str(m.id), ctx.t("lists_meeting_item", day=local_date(m.held_on), place=m.place or m.unit.name))
            for m in found]


@router.get("/cases")
def case_list(request: Request, ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    c, actor = ctx.c, ctx.user.actor
    form = read_list_form(ctx, request)
    now = c.clock.now()
    with c.sessions() as session:
        form, query, alert = _query(ctx, form, session)
        cal = load_calendar(session, c.settings.office_close)
        page = _page(session, ctx, form, query)
        total = count_cases(session, actor, query, cap=COUNT_CAP + 1)
        rows = annotate(session, ctx.t, page.items, [to_row(x, c.workflows, ctx.t, cal, now) for x in page.items],
                        cal.local_date(now), c.workflows)
        units = scope_units(session, actor)
        meetings = _meetings(session, ctx, form.meeting)
        people = [(p.username, p.display) for p in people_in_scope(session, actor)]
        targets = escalation_units(session, cal.local_date(now)) if ctx.can_record else []
    count = (ctx.t("lists_count_many", n=COUNT_CAP) if total > COUNT_CAP else ctx.t("lists_count", n=total))
    pick = ctx.t.pick
    return render(
        ctx, "cases.html", rows=rows, versions={x.code: x.version for x in page.items}, query=form,
        states=_states(ctx), units=units, meetings=meetings, count=count, alert=alert and ctx.t(alert),
        next_url=form.url(after=page.next_cursor, n=form.n + 1) if page.next_cursor else None,
        first_url=form.url(after="", n=1) if form.after else None,
        export_csv=form.url("/cases/export.csv", after="", n=1), export_xlsx=form.url("/cases/export.xlsx", after="", n=1),
        topics=[(k, pick(v)) for k, v in TOPICS.items()], kinds=[(k, pick(v)) for k, v in KINDS.items()],
        channels=[(k, pick(v)) for k, v in CHANNELS.items()],
        programmes=[(key, wf.name.get(ctx.lang)) for key, wf in c.workflows.items()],
        citizen_search=may_search_citizens(actor), bulk=ctx.can_record and bool(rows), targets=targets,
        people=people, assignees=[(ME, ctx.t("finish_assignee_me")), (NOBODY, ctx.t("finish_assignee_none"))] + people,
        bulk_actions=[(k, ctx.t(v)) for k, v in BULK_ACTIONS.items()], nonce=fresh_nonce(),
        here_list=form.url(), dead_letters=dead_letters(ctx))


# -- export ----------------------------------------------------------------------

def _export(ctx: Ctx, request: Request) -> tuple[list[str], list[Any]]:
    assert ctx.user is not None
    c = ctx.c
    form = read_list_form(ctx, request)
    headers = [ctx.t(f"lists_h_{key}") for key in COLUMNS]
    with c.sessions() as session:
        form, query, _ = _query(ctx, form, session)
        cal = load_calendar(session, c.settings.office_close)
        rows = list_rows(session, ctx.user.actor, query, c.workflows, ctx.lang, cal, c.clock.now(),
                         {"withheld": ctx.t("lists_withheld"), "anonymous": ctx.t("lists_anonymous")})
    return headers, rows


def _filename(ctx: Ctx, ext: str) -> dict[str, str]:
    day = ctx.c.clock.now().astimezone(LOCAL_TZ).strftime("%Y%m%d")
    return {"content-disposition": f'attachment; filename="danh-sach-y-kien-{day}.{ext}"', "cache-control": "no-store"}


@router.get("/cases/export.csv")
def export_csv(request: Request, ctx: Ctx = Depends(signed_in)) -> Response:
    headers, rows = _export(ctx, request)
    return Response(list_csv(headers, rows), media_type=CSV_MEDIA_TYPE, headers=_filename(ctx, "csv"))


@router.get("/cases/export.xlsx")
def export_xlsx(request: Request, ctx: Ctx = Depends(signed_in)) -> Response:
    headers, rows = _export(ctx, request)
    return Response(list_xlsx(ctx.t("cases_title"), headers, rows), media_type=XLSX_MEDIA_TYPE,
                    headers=_filename(ctx, "xlsx"))


# -- bulk work -------------------------------------------------------------------

def _selection(form: Form) -> list[Selected]:
    out = []
    for value in form.getall("codes", MAX_SELECTION + 1):
        code, _, version = value.partition(":")
        out.append(Selected(code[:40], int(version) if version.isdigit() and len(version) <= 9 else None))
    return out


def refusal_text(ctx: Ctx, err: DomainError, action: str) -> str:
    """Why one case was refused, in the reader's words (no state or role code)."""
    t = ctx.t
    if isinstance(err, InvalidTransition):
        state = next((wf.label(err.params["state"], ctx.lang) for wf in ctx.c.workflows.values()
                      if err.params["state"] in wf.spec.states), t("lists_bulk_refused"))
        return t("lists_why_state", state=state, action=action)
    if isinstance(err, RoleNotAllowed):
        return t("lists_why_role", action=action)
    if isinstance(err, StaleVersion):
        return t("lists_why_stale")
    if isinstance(err, (NotFound, OutOfScope)):
        return t("lists_why_missing")
    return t.error(err)


@router.post("/cases/bulk")
def bulk(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    action = form.get("action")
    back = form.get("back")
    back = back if back.startswith("/cases") and "\n" not in back and len(back) < 2000 else "/cases"
    items = _selection(form)
    if action not in BULK_ACTIONS or not items:
        return render(ctx, "cases_bulk.html", status=400, result=None, back=back,
                      alert=ctx.t("lists_bulk_none") if not items else ctx.t("error_title"))
    label = ctx.t(BULK_ACTIONS[action])
    data = {name: form.get(name) for name in BULK_FIELDS[action] if form.get(name).strip()}
    if "appointment" in data:
        data["appointment"] = _appointment(data["appointment"])
    try:
        key = fresh_nonce(form.get("nonce"))
        result: BulkResult | None = (
            bulk_assign(ctx.c.cases, ctx.user.actor, items, data.get("assignee"), key=key) if action == "assign"
            else bulk_fire(ctx.c.cases, ctx.user.actor, items, action, data, key=key))
    except DomainError as err:
        # No person chosen (or none that could be): said in words, not with the field's code.
        alert = ctx.t("finish_bulk_pick_person") if err.params.get("field") == "assignee" else ctx.t.error(err)
        return render(ctx, "cases_bulk.html", status=400, result=None, back=back, alert=alert)
    assert result is not None
    lines = [(o.code, o.done, ctx.t("lists_bulk_already") if o.replayed else
              ctx.t("lists_bulk_done") if o.done else refusal_text(ctx, o.refusal, label))  # type: ignore[arg-type]
             for o in result.outcomes]
    summary = ctx.t("lists_bulk_summary", action=label, done=len(result.done), refused=len(result.refused))
    return render(ctx, "cases_bulk.html", result=lines, summary=summary, back=back, alert=None)


def _appointment(text: str) -> str:
    """``datetime-local`` (Vietnam wall-clock time) → ISO 8601 with offset; anything
    else goes to the engine as typed, which refuses it case by case."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return naive.replace(tzinfo=LOCAL_TZ).isoformat() if naive.tzinfo is None else text
