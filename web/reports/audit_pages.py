"""The ``/audit`` pages the Front reads: one case's history, a unit's histories, their
exports (JSON for machines, CSV and Excel in words), and the daily seals — made and
checked in the page.

Every label (states, actions, people, units, the chain's verdict) is
``engine.reports.history_labels``, the exports' too; who may seal is
``engine.seals.may_seal``, and what a seal check means (``match``, ``mismatch``,
``altered``) is ``SealCheck.verdict``: a value that is not this day's seal is not an
accusation of tampering unless the seal recorded that day no longer comes out. For
leaders, the Front's auditors and administrators; a unit or case outside the user's
grants is "not found".
"""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.codes import normalise_code
from engine.errors import DomainError, InvalidField
from engine.reports import AUDIT_ROLES, Period
from engine.reports.audit_export import iter_case_exports, select_case, select_unit, verify_cases
from engine.reports.history_labels import HistoryLabels
from engine.seals import ALTERED, MATCH, latest_seals, may_seal, seal_as, short_code, verify_seal
from engine.uow import UnitOfWork

from ..pages.common import Ctx, Form, PageNotFound, redirect, render, signed_in, signed_in_post
from .common import default_period, history_response, query_string
from ..pages.i18n import Translator as Words
from .pages import actor_with, period_of, refusal, unit_choices

__all__ = ["router"]

router = APIRouter()
SHOWN_CASES = 500
EXPORTS = ("json", "csv", "xlsx")


def _yesterday(ctx: Ctx) -> str:
    return (ctx.c.clock.now().astimezone(LOCAL_TZ).date() - timedelta(days=1)).isoformat()


def _seal_check(ctx: Ctx, day: str, value: str) -> tuple[bool, str] | str:
    """(ok, the verdict in words), or the error to show next to the form."""
    try:
        when = Period.of(day, day).start
    except InvalidField as err:
        return ctx.t.error(err)
    shown = when.strftime("%d/%m/%Y")
    try:
        with ctx.c.sessions() as session:
            check = verify_seal(session, when, value)
    except InvalidField as err:
        return ctx.t("audit_seal_malformed") if err.params.get("field") == "value" else ctx.t.error(err)
    if check.verdict == MATCH:
        return True, ctx.t("audit_seal_match", day=shown, code=check.actual.short_code)
    if check.verdict == ALTERED:
        return False, ctx.t("audit_seal_altered", day=shown)
    return False, ctx.t("audit_seal_mismatch", day=shown)


@router.get("/audit")
def audit_home(ctx: Ctx = Depends(signed_in), day: str = "", value: str = "", sealed: str = "") -> Response:
    actor = actor_with(ctx, AUDIT_ROLES)
    result = error = None
    if day or value:
        checked = _seal_check(ctx, day[:20], value[:200])
        result, error = (checked, None) if isinstance(checked, tuple) else (None, checked)
    return _home(ctx, actor, result=result, error=error, day=day[:20], value=value[:200], sealed=sealed[:10])


def _home(ctx: Ctx, actor: Actor, *, status: int | None = None, result: tuple[bool, str] | None = None,
          error: str | None = None, day: str = "", value: str = "", sealed: str = "",
          seal_error: str | None = None, seal_day: str = "") -> Response:
    with ctx.c.sessions() as session:
        labels = HistoryLabels(session, ctx.lang, ctx.c.workflows)
        seals = []
        for s in latest_seals(session, 31):
            by = ctx.t("audit_worker") if s.created_by == "system" else labels.person(s.created_by)
            seals.append({"day": s.day, "code": short_code(s.root_hash), "root": s.root_hash,
                          "cases": s.case_count, "events": s.event_count, "by": by})
    notice = None
    if sealed:
        found = next((s for s in seals if s["day"].isoformat() == sealed), None)
        if found is not None:
            notice = ctx.t("audit_sealed", day=found["day"].strftime("%d/%m/%Y"), code=found["code"])
    bad = error is not None or seal_error is not None
    return render(ctx, "audit/index.html", status=status or (400 if bad else 200), w=Words(ctx.lang), seals=seals,
                  result=result, error=error, day=day, value=value, period=default_period(ctx.c),
                  unit_choices=unit_choices(ctx, actor, AUDIT_ROLES), can_seal=may_seal(actor),
                  seal_day=seal_day or _yesterday(ctx), seal_error=seal_error, notice=notice)


@router.post("/audit/seals")
def audit_make_seal(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    """Seal a day that has ended. Sealing again returns the seal already recorded, so a
    replayed form shows the first result and writes nothing."""
    ctx, form = checked
    actor = actor_with(ctx, AUDIT_ROLES)
    day = (form.get("day") or "")[:20]
    try:
        when = Period.of(day, day).start
        with UnitOfWork(ctx.c.sessions) as uow:
            seal = seal_as(uow.session, actor, when, ctx.c.clock)
            sealed = seal.day.isoformat()
            uow.commit()
    except InvalidField as err:
        return _home(ctx, actor, seal_error=ctx.t.error(err), seal_day=day)
    except DomainError:
        return _home(ctx, actor, status=403, seal_error=ctx.t("audit_seal_refused"), seal_day=day)
    return redirect(ctx, f"/audit?sealed={sealed}")


@router.get("/audit/cases")
def audit_find_case(ctx: Ctx = Depends(signed_in), code: str = "") -> Response:
    actor_with(ctx, AUDIT_ROLES)
    normal = normalise_code(code) if code else None
    if not normal:
        raise PageNotFound()
    return redirect(ctx, f"/audit/cases/{normal}")


@router.get("/audit/cases/{code}")
def audit_case(code: str, ctx: Ctx = Depends(signed_in)) -> Response:
    actor = actor_with(ctx, AUDIT_ROLES)
    try:
        with ctx.c.sessions() as session:
            item = next(iter_case_exports(session, actor, select_case(session, actor, code)))
            labels = HistoryLabels(session, ctx.lang, ctx.c.workflows)
            case = labels.case(item)
            events = [labels.event(item, ev) for ev in item["events"]]
    except DomainError as err:
        raise refusal(err) from None
    return render(ctx, "audit/case.html", w=Words(ctx.lang), item=item, case=case, events=events)


@router.get("/audit/cases/{code}/export.{fmt}")
def audit_case_export(code: str, fmt: str, ctx: Ctx = Depends(signed_in)) -> Response:
    if fmt not in EXPORTS:
        raise PageNotFound()
    actor = actor_with(ctx, AUDIT_ROLES)
    try:
        return history_response(ctx.c, actor, lambda s: select_case(s, actor, code), fmt, f"ho-so-{code}", ctx.lang)
    except DomainError as err:
        raise refusal(err) from None


@router.get("/audit/units")
def audit_unit(ctx: Ctx = Depends(signed_in), unit: str = "", start: str = "", end: str = "") -> Response:
    words = Words(ctx.lang)
    actor = actor_with(ctx, AUDIT_ROLES)
    if not unit:
        raise PageNotFound()
    try:
        period = period_of(start, end, default_period(ctx.c))
        with ctx.c.sessions() as session:
            sel = select_unit(session, actor, unit, period)
            labels = HistoryLabels(session, ctx.lang, ctx.c.workflows)
            checks = [{"code": c.code, "unit": labels.unit(c.unit), "events": c.event_count, "ok": c.ok,
                       "state": labels.state(c.workflow, c.state),
                       "verdict": labels.verdict({"ok": c.ok, "seq": c.seq})}
                      for c in islice(verify_cases(session, sel), SHOWN_CASES + 1)]
            unit_name = labels.unit(unit)
    except InvalidField as err:
        return render(ctx, "audit/unit.html", status=400, w=words, error=ctx.t.error(err), checks=[], unit=unit,
                      unit_name=unit, period=default_period(ctx.c), query="", more=False)
    except DomainError as err:
        raise refusal(err) from None
    return render(ctx, "audit/unit.html", w=words, error=None, checks=checks[:SHOWN_CASES], unit=unit,
                  unit_name=unit_name, period=period, more=len(checks) > SHOWN_CASES,
                  query=query_string(unit=unit, start=period.start.isoformat(), end=period.end.isoformat()))


@router.get("/audit/units/export.{fmt}")
def audit_unit_export(fmt: str, ctx: Ctx = Depends(signed_in), unit: str = "", start: str = "",
                      end: str = "") -> Response:
    if fmt not in EXPORTS or not unit:
        raise PageNotFound()
    actor = actor_with(ctx, AUDIT_ROLES)
    try:
        period = period_of(start, end, default_period(ctx.c))
        return history_response(ctx.c, actor, lambda s: select_unit(s, actor, unit, period), fmt,
                                f"lich-su-{unit}-{period.start}-{period.end}", ctx.lang)
    except InvalidField:
        raise PageNotFound() from None
    except DomainError as err:
        raise refusal(err) from None
