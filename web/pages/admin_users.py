"""Users in the administration: the list (search, pages), a user's page (grants,
the access changes made to them), adding a user with their first grant and
adding a grant. Taking access away is ``web.pages.access``'s confirmation; every
rule and record is ``engine.services.access``'s."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.errors import DomainError
from engine.models import Unit, User
from engine.services.access import TEMPORARY_VALID, AccessResult
from engine.services.user_list import list_users
from engine.vocab import ROLES

from .admin_forms import ADMIN_SECTIONS, admin_actor, fresh_nonce, nonce_of
from .common import Ctx, Form, PageNotFound, render, signed_in, signed_in_post
from .data import unit_tree
from .i18n import local_dt

__all__ = ["router"]

router = APIRouter()
_FIELDS = ("username", "full_name", "email", "language", "role", "unit")


def _choices(ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
    with ctx.c.sessions() as session:
        units = [(o.code, "\u00a0\u00a0\u00a0" * o.depth + o.name) for o in unit_tree(list(session.scalars(select(Unit))))]
    return {"roles": [(k, ctx.t.pick(v)) for k, v in ROLES.items()], "units": units,
            "languages": [("vi", ctx.t("adm_lang_vi")), ("en", ctx.t("adm_lang_en"))]}


@router.get("/admin/users")
def users(q: str = "", after: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    with ctx.c.sessions() as session:
        page = list_users(session, q=q, after=after)
    return render(ctx, "admin_users.html", page=page, q=q[:100], after=after[:64], sections=ADMIN_SECTIONS,
                  me=ctx.user.username if ctx.user else "")


def _new_form(ctx: Ctx, *, status: int = 200, values: dict[str, str] | None = None, error: str | None = None,
              nonce: str = "") -> Response:
    return render(ctx, "admin_user_new.html", status=status, values=values or {"language": "vi"}, error=error,
                  nonce=fresh_nonce(nonce), sections=ADMIN_SECTIONS, **_choices(ctx))


@router.get("/admin/users/new")
def new_user(ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    return _new_form(ctx)


@router.post("/admin/users/new")
def add_user(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    by = admin_actor(ctx)
    values = {k: form.get(k)[:300] for k in _FIELDS}
    nonce = nonce_of(form)
    try:
        result = ctx.c.access.add_user(by, values["username"], None, values["role"].strip(), values["unit"].strip(),
                                       full_name=values["full_name"], email=values["email"] or None,
                                       language=values["language"], key=nonce)
    except DomainError as err:
        # The same nonce again: the form keeps what was typed and may be sent once more.
        return _new_form(ctx, status=400, values=values, error=ctx.t.error(err), nonce=nonce)
    return _result(ctx, result)


def _result(ctx: Ctx, result: AccessResult) -> Response:
    t = ctx.t
    if result.replayed:
        message = t("access_replayed", at=local_dt(result.at))
    else:
        grant = _grant_label(ctx, result.detail)
        message = (t("adm_user_added", user=result.username, grant=grant) if result.action == "add_user"
                   else t("adm_grant_added", user=result.username, grant=grant))
    return render(ctx, "admin_done.html", title=t("adm_done_title"), message=message, details=[],
                  secret=result.temporary_password, secret_label=t("adm_temporary", days=TEMPORARY_VALID.days),
                  links=[(f"/admin/users/{result.username}", t("adm_open_user", user=result.username)),
                         ("/admin/users", t("admin_users"))], sections=ADMIN_SECTIONS)


def _grant_label(ctx: Ctx, detail: str) -> str:
    role, _, unit = detail.partition(" @ ")
    return f"{ctx.t.pick(ROLES.get(role), role)} @ {unit}" if unit else detail


def _user_page(ctx: Ctx, username: str, *, status: int = 200, error: str | None = None,
               values: dict[str, str] | None = None) -> Response:
    with ctx.c.sessions() as session:
        user = session.scalar(select(User).where(User.username == username[:64]))
        if user is None:
            raise PageNotFound()
        grants = sorted((g.role, g.unit.code, g.unit.name) for g in user.grants)
        shown = {"username": user.username, "full_name": user.full_name, "email": user.email,
                 "active": user.is_active, "must_change": user.must_change_password, "language": user.language}
    return render(ctx, "admin_user.html", status=status, shown=shown, grants=grants, error=error,
                  values=values or {}, nonce=fresh_nonce(), changes=ctx.c.access.log(limit=20, username=username),
                  me=ctx.user.username if ctx.user else "", sections=ADMIN_SECTIONS, **_choices(ctx))


@router.get("/admin/users/{username}")
def user_page(username: str, ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    return _user_page(ctx, username)


@router.post("/admin/users/{username}/grant")
def add_grant(username: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    by = admin_actor(ctx)
    values = {"role": form.get("role").strip()[:16], "unit": form.get("unit").strip()[:32]}
    nonce = nonce_of(form)
    try:
        result = ctx.c.access.grant(by, username, values["role"], values["unit"], key=nonce)
    except DomainError as err:
        return _user_page(ctx, username, status=400, error=ctx.t.error(err), values=values)
    return _result(ctx, result)
