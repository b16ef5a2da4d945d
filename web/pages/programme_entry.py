"""Forms of the field programmes: a citizen reception day with its petitions, a
dialogue with the opinions raised and then its conclusion, a village's Tổ dân vận and
its members, a dispute with its parties.

Every rule is the engine's (``engine.services.receptions``, ``.dialogues``, ``.teams``,
``.disputes``): who may record where, the routes a petition may take, what a public
conclusion may not carry. A refusal re-shows the form with every typed value and the
engine's message; a form sent twice takes effect once (its nonce is the idempotency
key, ``support_forms.once_then``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.actors import CITIZEN_ROLE
from engine.errors import DomainError
from engine.models import Unit
from engine.services.dialogues import PROGRAMME as DIALOGUES, Commitment, NewDialogue
from engine.services.disputes import MAX_PARTIES, PROGRAMME as DISPUTES, Party
from engine.services.cases import NewCase
from engine.services.fields import is_blank
from engine.services.receptions import CAPACITIES, OCCASIONS, PROGRAMME as RECEPTIONS, NewReception, Petition
from engine.services.teams import TEAM_ROLES
from engine.vocab import KINDS, TOPICS

from .common import Ctx, Form, Forbidden, PageNotFound, redirect, render, signed_in, signed_in_post
from .data import unit_tree
from .support_forms import fresh_nonce, once_then, path_number, recording_units, today

__all__ = ["router"]

router = APIRouter()
ROWS = 3
PETITION_FIELDS = ("kind", "topic", "content", "citizen_name", "citizen_phone", "route", "reason", "target_unit")
COMMITMENT_FIELDS = ("content", "due_on")
PARTY_FIELDS = ("name", "phone", "address")


def _actor(ctx: Ctx):  # type: ignore[no-untyped-def]
    assert ctx.user is not None
    return ctx.user.actor


def _recorder(ctx: Ctx) -> None:
    if not ctx.can_record:
        raise Forbidden()


def _rows(form: Form, prefix: str, fields: tuple[str, ...], limit: int) -> list[dict[str, str]]:
    given = form.get("rows")
    count = min(int(given) if given.isdigit() else ROWS, limit)
    return [{f: form.get(f"{prefix}{i}_{f}") for f in fields} for i in range(count)]


def _filled(rows: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    return [r for r in rows if not is_blank(r.get(key))]


def _choices(ctx: Ctx, workflow: str) -> dict[str, Any]:
    pick, wf = ctx.t.pick, ctx.c.workflows[workflow]
    # What may be done on the spot is what the workflow lets staff do from its first state.
    routes = [(t.trigger, t.label.get(ctx.lang)) for t in wf.spec.transitions
              if wf.spec.initial in t.source and CITIZEN_ROLE not in t.roles]
    return {"kinds": [(k, pick(v)) for k, v in KINDS.items()], "topics": [(k, pick(v)) for k, v in TOPICS.items()],
            "routes": list(dict.fromkeys(routes)), "occasions": [(k, pick(v)) for k, v in OCCASIONS.items()],
            "capacities": [(k, pick(v)) for k, v in CAPACITIES.items()],
            "team_roles": [(k, pick(v)) for k, v in TEAM_ROLES.items()],
            "role_names": {k: pick(v) for k, v in TEAM_ROLES.items()},
            "dict_capacities": {k: pick(v) for k, v in CAPACITIES.items()}}


def _dispute_villages(ctx: Ctx) -> list[Any]:
    """Villages where the user may take a dispute: an official's or leader's, and a
    Tổ dân vận member's own village (the engine decides on saving)."""
    own = recording_units(ctx, level="village")
    codes = {u.code for u in own}
    member_of = [g.unit_code for g in _actor(ctx).grants if g.role == "member" and g.unit_code not in codes]
    if not member_of:
        return own
    with ctx.c.sessions() as session:
        extra = unit_tree(list(session.scalars(select(Unit).where(Unit.code.in_(member_of)))))
    return own + [replace(u, depth=0) for u in extra]


def _petition(row: dict[str, str]) -> Petition:
    route = None if is_blank(row["route"]) else row["route"]
    data = {k: row[k] for k in ("reason", "target_unit") if route and not is_blank(row[k])}
    return Petition(kind=row["kind"], topic=row["topic"], content=row["content"],
                    citizen_name=row["citizen_name"] or None, citizen_phone=row["citizen_phone"] or None,
                    route=route, data=data)


def _form(ctx: Ctx, template: str, workflow: str, values: dict[str, Any], rows: list[dict[str, str]], nonce: str,
          error: str = "", status: int = 200, **extra: Any) -> Response:
    return render(ctx, template, status=status, v=values, rows=rows, nonce=nonce, error=error,
                  units=recording_units(ctx), today=today(ctx).isoformat(), **_choices(ctx, workflow), **extra)


# ------------------------------------------------------------------ reception days

RECEPTION_FIELDS = ("unit", "held_on", "occasion", "capacity", "receiver_name", "place")


@router.get("/programmes/receptions/new")
def reception_form(ctx: Ctx = Depends(signed_in)) -> Response:
    _recorder(ctx)
    return _form(ctx, "programmes/reception_new.html", RECEPTIONS, {"held_on": today(ctx).isoformat()},
                 [{} for _ in range(ROWS)], fresh_nonce())


def _save_day(ctx: Ctx, form: Form, template: str, workflow: str, fields: tuple[str, ...],
              record: Callable[[Any, dict[str, str], list[dict[str, str]]], str]) -> Response:
    """A reception day's or a dialogue's form: more rows, or the day with its filled
    rows recorded once (``record`` writes them in the transaction and says where to go
    next); a refusal shows the form again with every typed value."""
    values = {f: form.get(f) for f in fields}
    rows = _rows(form, "p", PETITION_FIELDS, 200)
    nonce = fresh_nonce(form.get("nonce"))
    if "more" in form:
        return _form(ctx, template, workflow, values, rows + [{} for _ in range(2)], nonce)
    filled = _filled(rows, "content")
    try:
        url = once_then(ctx, nonce, f"page.{workflow}", [values, filled], lambda uow: record(uow, values, filled))
    except DomainError as err:
        return _form(ctx, template, workflow, values, rows, fresh_nonce(), ctx.t.error(err), status=400)
    return redirect(ctx, url)


@router.post("/programmes/receptions/new")
def reception_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    actor, receptions = _actor(ctx), ctx.c.programmes.receptions

    def record(uow: Any, v: dict[str, str], filled: list[dict[str, str]]) -> str:
        receptions.record_within(uow, actor, NewReception(
            unit=v["unit"], held_on=v["held_on"], occasion=v["occasion"], capacity=v["capacity"],
            receiver_name=v["receiver_name"], place=v["place"], petitions=tuple(_petition(r) for r in filled)))
        return f"/programmes/register?unit={v['unit']}&start={v['held_on']}&end={v['held_on']}"
    return _save_day(ctx, form, "programmes/reception_new.html", RECEPTIONS, RECEPTION_FIELDS, record)


# ------------------------------------------------------------------ dialogues

DIALOGUE_FIELDS = ("unit", "held_on", "chair", "front_representative", "attendees", "place")


@router.get("/programmes/dialogues/new")
def dialogue_form(ctx: Ctx = Depends(signed_in)) -> Response:
    _recorder(ctx)
    return _form(ctx, "programmes/dialogue_new.html", DIALOGUES, {"held_on": today(ctx).isoformat()},
                 [{} for _ in range(ROWS)], fresh_nonce())


@router.post("/programmes/dialogues/new")
def dialogue_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    actor, dialogues = _actor(ctx), ctx.c.programmes.dialogues

    def record(uow: Any, v: dict[str, str], filled: list[dict[str, str]]) -> str:
        meeting_id, _ = dialogues.record_within(uow, actor, NewDialogue(
            unit=v["unit"], held_on=v["held_on"], chair=v["chair"], front_representative=v["front_representative"],
            attendees=v["attendees"] or 0, place=v["place"],
            opinions=tuple(_petition({**r, "route": ""}) for r in filled)))
        return f"/programmes/dialogues/{meeting_id}/conclusion"
    return _save_day(ctx, form, "programmes/dialogue_new.html", DIALOGUES, DIALOGUE_FIELDS, record)


def _conclusion_form(ctx: Ctx, meeting_id: int, values: dict[str, Any], rows: list[dict[str, str]], nonce: str,
                     error: str = "", status: int = 200) -> Response:
    return render(ctx, "programmes/conclusion_new.html", status=status, meeting_id=meeting_id, v=values, rows=rows,
                  nonce=nonce, error=error, today=today(ctx).isoformat())


@router.get("/programmes/dialogues/{meeting_path}/conclusion")
def conclusion_form(meeting_path: str, ctx: Ctx = Depends(signed_in)) -> Response:
    _recorder(ctx)
    return _conclusion_form(ctx, path_number(meeting_path), {}, [{} for _ in range(ROWS)], fresh_nonce())


@router.post("/programmes/dialogues/{meeting_path}/conclusion")
def conclusion_save(meeting_path: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    meeting_id = path_number(meeting_path)
    values = {f: form.get(f) for f in ("title", "body")}
    rows = _rows(form, "c", COMMITMENT_FIELDS, 100)
    nonce = fresh_nonce(form.get("nonce"))
    if "more" in form:
        return _conclusion_form(ctx, meeting_id, values, rows + [{} for _ in range(2)], nonce)
    filled = _filled(rows, "content")
    # A commitment falls due at the end of its day's office hours, as the engine's
    # deadlines do; the engine checks it is a real instant within the programme's limit.
    commitments = [Commitment(content=r["content"], due_at=f"{r['due_on']}T17:00:00+07:00" if r["due_on"] else "")
                   for r in filled]
    actor = _actor(ctx)
    dialogues = ctx.c.programmes.dialogues
    try:
        url = once_then(ctx, nonce, "page.conclusion", [meeting_id, values, filled], lambda uow: "/conclusions/"
                        + dialogues.conclude_within(uow, actor, meeting_id, values["title"], values["body"],
                                                    commitments))
    except DomainError as err:
        if err.code == "not-found":
            raise PageNotFound() from None
        return _conclusion_form(ctx, meeting_id, values, rows, fresh_nonce(), ctx.t.error(err), status=400)
    return redirect(ctx, url)


# ------------------------------------------------------------------ Tổ dân vận


def _team_page(ctx: Ctx, village: str, values: dict[str, Any], nonce: str, error: str = "",
               status: int = 200) -> Response:
    teams, actor = ctx.c.programmes.teams, _actor(ctx)
    try:
        roster = teams.roster(actor, village, today(ctx))
    except DomainError:
        raise PageNotFound() from None
    return render(ctx, "programmes/team.html", status=status, village=village, members=roster or [],
                  exists=roster is not None,
                  v=values, nonce=nonce, error=error, today=today(ctx).isoformat(),
                  villages=recording_units(ctx, level="village"), **_choices(ctx, DISPUTES))


@router.get("/programmes/teams")
def team_page(ctx: Ctx = Depends(signed_in), village: str = "") -> Response:
    _recorder(ctx)
    if not village:
        return render(ctx, "programmes/team.html", village="", members=[], exists=False, v={}, nonce=fresh_nonce(),
                      error="", today=today(ctx).isoformat(), villages=recording_units(ctx, level="village"),
                      **_choices(ctx, DISPUTES))
    return _team_page(ctx, village[:32], {"joined_on": today(ctx).isoformat()}, fresh_nonce())


@router.post("/programmes/teams")
def team_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    village, action = form.get("village")[:32], form.get("action")
    values = {f: form.get(f) for f in ("team_name", "name", "role", "joined_on", "username", "member", "left_on")}
    nonce, actor, teams = fresh_nonce(form.get("nonce")), _actor(ctx), ctx.c.programmes.teams
    back = f"/programmes/teams?village={village}"
    work = {
        "set_up": lambda uow: (teams.set_up_within(uow, actor, village, values["team_name"]), back)[1],
        "add": lambda uow: (teams.add_member_within(uow, actor, village, values["name"], values["role"],
                                                    values["joined_on"], username=values["username"] or None),
                            back)[1],
        "leave": lambda uow: (teams.leave_within(uow, actor, village, int(values["member"])
                                                 if values["member"].isdigit() else -1, values["left_on"]), back)[1],
    }.get(action)
    if work is None:
        raise PageNotFound()
    try:
        url = once_then(ctx, nonce, f"page.team.{action}", [village, values], work)
    except DomainError as err:
        if err.code == "not-found" and action == "leave":
            raise PageNotFound() from None
        return _team_page(ctx, village, values, fresh_nonce(), ctx.t.error(err), status=400)
    return redirect(ctx, url)


# ------------------------------------------------------------------ disputes

DISPUTE_FIELDS = ("village", "topic", "content")


@router.get("/programmes/disputes/new")
def dispute_form(ctx: Ctx = Depends(signed_in)) -> Response:
    villages = _dispute_villages(ctx)
    if not villages:
        raise Forbidden()
    return render(ctx, "programmes/dispute_new.html", v={}, rows=[{} for _ in range(2)], nonce=fresh_nonce(),
                  error="", villages=villages, **_choices(ctx, DISPUTES))


@router.post("/programmes/disputes/new")
def dispute_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    values = {f: form.get(f) for f in DISPUTE_FIELDS}
    rows = _rows(form, "q", PARTY_FIELDS, MAX_PARTIES)
    nonce = fresh_nonce(form.get("nonce"))

    def again(error: str = "", status: int = 200, extra: int = 0) -> Response:
        return render(ctx, "programmes/dispute_new.html", status=status, v=values,
                      rows=rows + [{} for _ in range(extra)], nonce=nonce if not error else fresh_nonce(),
                      error=error, villages=_dispute_villages(ctx), **_choices(ctx, DISPUTES))
    if "more" in form:
        return again(extra=2)
    parties = [Party(name=r["name"], phone=r["phone"] or None, address=r["address"] or None)
               for r in _filled(rows, "name")]
    new = NewCase(workflow=DISPUTES, unit=values["village"], topic=values["topic"], kind="kien_nghi",
                  channel="to_dan_van", content=values["content"])
    actor, disputes = _actor(ctx), ctx.c.programmes.disputes
    try:
        url = once_then(ctx, nonce, "page.dispute", [values, rows], lambda uow: "/cases/"
                        + disputes.record_within(uow, actor, new, parties))
    except DomainError as err:
        return again(ctx.t.error(err), status=400)
    return redirect(ctx, url)


# ------------------------------------------------------------------ reception schedules

SCHEDULE_FIELDS = ("username", "unit", "capacity", "days_per_month", "basis")


def _schedules(ctx: Ctx, values: dict[str, Any], error: str = "", status: int = 200) -> Response:
    rows = ctx.c.programmes.schedules.visible(_actor(ctx), today(ctx))
    return render(ctx, "programmes/schedules.html", status=status, rows=rows, v=values, error=error,
                  units=recording_units(ctx), **_choices(ctx, RECEPTIONS))


@router.get("/programmes/schedules")
def schedules_page(ctx: Ctx = Depends(signed_in)) -> Response:
    _recorder(ctx)
    return _schedules(ctx, {"days_per_month": "1"})


@router.post("/programmes/schedules")
def schedules_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    values = {f: form.get(f) for f in SCHEDULE_FIELDS}
    try:
        # Setting a schedule replaces the head's one for that unit: sent twice, it is the same.
        ctx.c.programmes.schedules.set_schedule(_actor(ctx), values["username"], values["unit"], values["capacity"],
                                                values["days_per_month"], values["basis"])
    except DomainError as err:
        return _schedules(ctx, values, ctx.t.error(err), status=400)
    return redirect(ctx, "/programmes/schedules")
