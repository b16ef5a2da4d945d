"""Units in the administration: the tree, a CSV import that first shows what it
would change (new, changed, ended into a successor, unchanged) and every line's
problems, then writes all of it in one transaction or nothing; editing a unit
(the same checks, through the same import) and setting a successor (the merger
decision of ``engine.services.units.merge_units``, asked first)."""

from __future__ import annotations

import hashlib
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from engine.errors import DomainError, InvalidField
from engine.models import Unit
from engine.services.unit_import import ImportPreview, preview
from engine.services.units import merge_units, unit_lines
from engine.uow import UnitOfWork
from engine.vocab import UNIT_LEVELS
from engine.workflow import final_states

from .admin_forms import ADMIN_SECTIONS, admin_actor, confirm_page, fresh_nonce, nonce_of
from .common import BadForm, Ctx, Form, PageNotFound, check_posted, redirect, render, signed_in, signed_in_post
from .support_forms import once_then, today

__all__ = ["router", "MAX_FILE"]

router = APIRouter()
MAX_FILE = 900 * 1024  # under the pages' 1 MiB body limit (web.security), with the form around it


def _day(text: str, fallback: date) -> date:
    if not text.strip():
        return fallback
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidField(field="on", problem_vi="không đúng dạng ngày", problem_en="is not a date") from None


def _units_page(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None) -> Response:
    with ctx.c.sessions() as session:
        lines = unit_lines(session, today(ctx))
    return render(ctx, "admin_units.html", status=status, lines=lines, error=error, notice=notice,
                  today=today(ctx).isoformat(), sections=ADMIN_SECTIONS)


@router.get("/admin/units")
def units(done: str = "", new: str = "0", changed: str = "0", successor: str = "0", moved: str = "0",
          saved: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    notice = None
    if done == "import" and all(x.isdigit() for x in (new, changed, successor, moved)):
        notice = ctx.t("adm_imported", new=int(new), changed=int(changed), successor=int(successor), moved=int(moved))
    elif saved:
        notice = ctx.t("adm_unit_saved", unit=saved[:32])
    return _units_page(ctx, notice=notice)


async def _read_upload(request: Request) -> tuple[Form, bytes]:
    try:
        data = await request.form(max_files=1, max_fields=10, max_part_size=MAX_FILE)
    except (MultiPartException, StarletteHTTPException):
        raise BadForm() from None
    upload = data.get("file")
    body = b""
    try:
        if upload is not None and not isinstance(upload, str):
            body = await upload.read(MAX_FILE + 1)
    finally:
        await data.close()  # the spooled file: the text fields stay readable
    pasted = data.get("text")
    if not body and isinstance(pasted, str):
        body = pasted.encode("utf-8", "surrogatepass")
    return Form(data), body


def _preview(ctx: Ctx, data: bytes, on: date) -> ImportPreview:
    # Imported in a transaction that is never committed: only to see what it changes.
    with ctx.c.cases.uow() as uow:
        return preview(uow.session, data, on, final_states=final_states(ctx.c.workflows))


@router.post("/admin/units/import")
def import_preview(upload: tuple[Form, bytes] = Depends(_read_upload), ctx: Ctx = Depends(signed_in)) -> Response:
    # Sync: the preview's transaction runs in the thread pool, not on the event loop.
    form, data = upload
    check_posted(ctx, form)
    admin_actor(ctx)
    try:
        on = _day(form.get("on"), today(ctx))
    except DomainError as err:
        return _units_page(ctx, status=400, error=ctx.t.error(err))
    if not data.strip():
        return _units_page(ctx, status=400, error=ctx.t("adm_import_empty"))
    if len(data) > MAX_FILE:
        return _units_page(ctx, status=400, error=ctx.t("adm_import_too_big", kb=MAX_FILE // 1024))
    result = _preview(ctx, data, on)
    # The confirmation carries the file itself (checked again when it is sent).
    text = data.decode("utf-8-sig") if not result.problems else ""
    return render(ctx, "admin_units_preview.html", status=400 if result.problems else 200, result=result,
                  text=text, on=on, nonce=fresh_nonce(), sections=ADMIN_SECTIONS)


@router.post("/admin/units/import/confirm")
def import_confirm(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    admin_actor(ctx)
    nonce = nonce_of(form)
    data = form.get("text").encode("utf-8", "surrogatepass")
    try:
        on = _day(form.get("on"), today(ctx))
    except DomainError as err:
        return _units_page(ctx, status=400, error=ctx.t.error(err))
    found: list[ImportPreview] = []

    def work(uow: UnitOfWork) -> str:
        result = preview(uow.session, data, on, final_states=final_states(ctx.c.workflows))
        found.append(result)
        if result.problems:
            # Anything wrong now (the tree changed since the preview): nothing is written.
            raise _Refused()
        return (f"/admin/units?done=import&new={result.count('new')}&changed={result.count('changed')}"
                f"&successor={result.count('successor')}&moved={len(result.report.moved) if result.report else 0}")

    try:
        url = once_then(ctx, nonce, "admin.units.import", {"sha": hashlib.sha256(data).hexdigest(), "on": on}, work)
    except _Refused:
        return render(ctx, "admin_units_preview.html", status=400, result=found[-1], text="", on=on, nonce="",
                      sections=ADMIN_SECTIONS)
    except DomainError as err:
        return _units_page(ctx, status=400, error=ctx.t.error(err))
    return redirect(ctx, url)


class _Refused(Exception):
    pass


def _unit_form(ctx: Ctx, code: str, *, status: int = 200, error: str | None = None,
               values: dict[str, str] | None = None) -> Response:
    with ctx.c.sessions() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code[:32]))
        if unit is None:
            raise PageNotFound()
        others = [(u.code, u.name) for u in session.scalars(select(Unit).where(Unit.id != unit.id).order_by(Unit.path))]
        current = {"code": unit.code, "name": unit.name, "level": unit.level,
                   "parent_code": unit.parent.code if unit.parent else "",
                   "valid_from": unit.valid_from.isoformat() if unit.valid_from else "",
                   "valid_to": unit.valid_to.isoformat() if unit.valid_to else "",
                   "successor": session.get(Unit, unit.successor_id).name if unit.successor_id else ""}
    return render(ctx, "admin_unit.html", status=status, unit=current, values=values or current, error=error,
                  others=others, levels=[(k, ctx.t.pick(v)) for k, v in UNIT_LEVELS.items()],
                  nonce=fresh_nonce(), today=today(ctx).isoformat(), sections=ADMIN_SECTIONS)


@router.get("/admin/units/{code}")
def unit_page(code: str, ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    return _unit_form(ctx, code)


@router.post("/admin/units/{code}")
def save_unit(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    admin_actor(ctx)
    nonce = nonce_of(form)
    values = {k: form.get(k)[:300] for k in ("name", "level", "parent_code", "valid_from", "valid_to")}
    with ctx.c.sessions() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code[:32]))
        if unit is None:
            raise PageNotFound()
        successor = session.get(Unit, unit.successor_id).code if unit.successor_id else ""
    # The same checks as a file's line (engine.services.unit_import), applied the same way.
    data = [{"code": unit.code, **values, "successor_code": successor}]
    problems: list[str] = []

    def work(uow: UnitOfWork) -> str:
        result = preview(uow.session, data, today(ctx), final_states=final_states(ctx.c.workflows))
        if result.problems:
            problems.extend(_said(ctx, p.column, p.vi, p.en) for p in result.problems)
            raise _Refused()
        return f"/admin/units?saved={unit.code}"

    try:
        url = once_then(ctx, nonce, "admin.units.edit", {"code": unit.code, **values}, work)
    except _Refused:
        return _unit_form(ctx, code, status=400, error="; ".join(problems), values={**values, "code": unit.code})
    except DomainError as err:
        return _unit_form(ctx, code, status=400, error=ctx.t.error(err), values={**values, "code": unit.code})
    return redirect(ctx, url)


def _said(ctx: Ctx, column: str | None, vi: str, en: str) -> str:
    text = en if ctx.lang == "en" else vi
    return f"{ctx.t(f'adm_col_{column}')}: {text}" if column else text


@router.post("/admin/units/{code}/successor")
def set_successor(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    admin_actor(ctx)
    into = form.get("into").strip()[:32]
    try:
        on = _day(form.get("on"), today(ctx))
    except DomainError as err:
        return _unit_form(ctx, code, status=400, error=ctx.t.error(err))
    finals = final_states(ctx.c.workflows)
    if form.get("confirm") != "1":
        try:
            with ctx.c.cases.uow() as uow:  # the decision applied, to say what it does, then rolled back
                report = merge_units(uow.session, [code[:32]], into, on, final_states=finals)
                names = dict(uow.session.execute(select(Unit.code, Unit.name)).tuples().all())
        except DomainError as err:
            return _unit_form(ctx, code, status=400, error=ctx.t.error(err))
        t = ctx.t
        lines = [t("adm_merge_open", n=report.open_cases, unit=names.get(report.into, report.into))]
        if report.ended_below:
            lines.append(t("adm_merge_below", units=", ".join(names.get(c, c) for c in report.ended_below[:20])))
        return confirm_page(ctx, title=t("adm_merge_title"), action=f"/admin/units/{code[:32]}/successor",
                            explain=t("adm_merge_explain", old=names.get(code[:32], code[:32]),
                                      new=names.get(report.into, report.into), day=f"{on:%d/%m/%Y}"),
                            fields={"into": into, "on": on.isoformat()}, lines=lines,
                            cancel=f"/admin/units/{code[:32]}", button=t("adm_merge_yes"))
    nonce = nonce_of(form)

    def work(uow: UnitOfWork) -> str:
        merge_units(uow.session, [code[:32]], into, on, final_states=finals)
        return f"/admin/units?saved={code[:32]}"

    try:
        url = once_then(ctx, nonce, "admin.units.merge", {"code": code[:32], "into": into, "on": on}, work)
    except DomainError as err:
        return _unit_form(ctx, code, status=400, error=ctx.t.error(err))
    return redirect(ctx, url)
