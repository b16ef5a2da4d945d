"""The case page's extension and assignment forms, and "Việc của tôi".

Both forms post to the case service (``extend_within``, ``assign_within``) under
their one-time nonce (``web.pages.support_forms.once_then``): a form sent twice
goes to the first result and writes nothing more. A refusal shows the case page
again with what was typed and the engine's reason next to the form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.codes import normalise_code
from engine.errors import DomainError, InvalidField, NotFound, OutOfScope
from engine.listing import CaseQuery, page_cases
from engine.pagination import MAX_CURSOR
from engine.uow import UnitOfWork
from engine.workflow import final_states

from .admin import dead_letters
from .cases import FormState, _calendar, _refused, _version
from .casework_rows import annotate
from .common import Ctx, Form, PageNotFound, redirect, render, signed_in, signed_in_post
from .data import to_row
from .i18n import Translator
from .support_forms import NONCE, once_then

__all__ = ["router"]

router = APIRouter()


def _checked_form(form: Form) -> int:
    """The version the form was shown at, with a nonce of ours; else the refusal."""
    version = _version(form.get("version"))
    if version is None or not NONCE.match(form.get("nonce")):
        raise InvalidField(field="version", problem_vi=Translator("vi")("version_invalid"),
                           problem_en=Translator("en")("version_invalid"))
    return version


def _post(ctx: Ctx, code: str, form: Form, state: FormState, operation: str, payload: dict[str, Any],
          work: Any) -> Response:
    assert ctx.user is not None
    try:
        version = _checked_form(form)
        key = {"code": normalise_code(code) or code, "version": version, **payload}
        url = once_then(ctx, form.get("nonce"), operation, key, lambda uow: work(uow, version))
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except DomainError as err:
        return _refused(ctx, code, state, err)
    return redirect(ctx, url)


@router.post("/cases/{code}/extend")
def extend(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    code, actor = code[:60], ctx.user.actor
    days, reason = form.get("working_days").strip()[:12], form.get("reason")
    state = FormState(trigger="__extend__", values={"working_days": days, "reason": reason})

    def work(uow: UnitOfWork, version: int) -> str:
        case = ctx.c.cases.extend_within(uow, actor, code, days, reason, expected_version=version)
        return f"/cases/{case.code}?done=extend"

    return _post(ctx, code, form, state, "page.extend", {"days": days, "reason": reason}, work)


@router.post("/cases/{code}/assign")
def assign(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    code, actor = code[:60], ctx.user.actor
    action, username = form.get("action")[:16], form.get("assignee")[:64]
    state = FormState(trigger="__assign__", values={"action": action, "assignee": username})

    def work(uow: UnitOfWork, version: int) -> str:
        case = ctx.c.cases.assign_within(uow, actor, code, action, username or None, expected_version=version)
        return f"/cases/{case.code}?done=assign"

    return _post(ctx, code, form, state, "page.assign", {"action": action, "assignee": username}, work)


@router.get("/my-cases")
def my_cases(after: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    """Open cases assigned to the reader, most urgent (so the overdue) first."""
    assert ctx.user is not None
    c, actor = ctx.c, ctx.user.actor
    now = c.clock.now()
    query = CaseQuery(assignee_id=actor.user_id if actor.user_id is not None else -1, open_only=True,
                      final_states=final_states(c.workflows), order="due")
    cursor = after if after and len(after) <= MAX_CURSOR else None
    with c.sessions() as session:
        cal = _calendar(ctx, session)
        try:
            page = page_cases(session, actor, query, cursor=cursor)
        except InvalidField:  # a cursor not ours: start over
            page = page_cases(session, actor, query)
        rows = annotate(session, ctx.t, page.items, [to_row(x, c.workflows, ctx.t, cal, now) for x in page.items],
                        cal.local_date(now), c.workflows)
    next_url = "/my-cases?" + urlencode({"after": page.next_cursor}) if page.next_cursor else None
    return render(ctx, "my_cases.html", rows=rows, next_url=next_url, first_url="/my-cases" if cursor else None,
                  dead_letters=dead_letters(ctx))
