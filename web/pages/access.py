"""Taking access away from the administration page: each change (deactivate,
reactivate, remove a grant, reset a password) is a link to a confirmation page
whose POST form (CSRF token, one-time nonce) makes it, and the answer says what it
did. The rule and the record are ``engine.services.access``'s; this page only asks."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.errors import DomainError
from engine.models import User
from engine.services.access import TEMPORARY_VALID, AccessResult
from engine.vocab import ROLES, label

from ..security import new_token
from .admin import admin_page_response, require_admin
from .common import BadForm, Ctx, Form, render, signed_in, signed_in_post

__all__ = ["router", "ACTIONS"]

router = APIRouter()
ACTIONS = ("deactivate", "reactivate", "revoke_grant", "reset_password")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _request(values: dict[str, str]) -> dict[str, str]:
    action = values.get("action", "")
    if action not in ACTIONS:
        raise BadForm()
    out = {"action": action, "username": values.get("username", "").strip()[:64]}
    if action == "revoke_grant":
        out |= {"role": values.get("role", "").strip()[:16], "unit": values.get("unit", "").strip()[:32]}
    return out


@router.get("/admin/access")
def confirm(action: str = "", username: str = "", role: str = "", unit: str = "",
            ctx: Ctx = Depends(signed_in)) -> Response:
    require_admin(ctx)
    wanted = _request({"action": action, "username": username, "role": role, "unit": unit})
    with ctx.c.sessions() as session:
        known = session.scalar(select(User.id).where(User.username == wanted["username"])) is not None
    if not known:
        return admin_page_response(ctx, status=404, error=ctx.t("access_no_user", user=wanted["username"]))
    grant = f"{label(ROLES, wanted.get('role', ''), ctx.lang)} @ {wanted.get('unit', '')}"
    return render(ctx, "admin_access.html", wanted=wanted, nonce=new_token(), result=None,
                  explain=ctx.t(f"access_explain_{wanted['action']}", user=wanted["username"], grant=grant,
                                days=TEMPORARY_VALID.days))


@router.post("/admin/access")
def apply(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    require_admin(ctx)
    assert ctx.user is not None
    wanted = _request({k: form.get(k) for k in ("action", "username", "role", "unit")})
    nonce = form.get("nonce")
    if not _NONCE.match(nonce):
        raise BadForm()
    access, by, user = ctx.c.access, ctx.user.actor, wanted["username"]
    try:
        if wanted["action"] == "deactivate":
            result = access.deactivate(by, user, key=nonce)
        elif wanted["action"] == "reactivate":
            result = access.reactivate(by, user, key=nonce)
        elif wanted["action"] == "revoke_grant":
            result = access.revoke_grant(by, user, wanted["role"], wanted["unit"], key=nonce)
        else:
            result = access.reset_password(by, user, key=nonce)
    except DomainError as err:
        return admin_page_response(ctx, status=400, error=ctx.t.error(err))
    return render(ctx, "admin_access.html", wanted=wanted, nonce="", result=result, explain=_said(ctx, result))


def _said(ctx: Ctx, result: AccessResult) -> str:
    t = ctx.t
    if result.replayed:
        return t("access_replayed", at=f"{result.at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}")
    # Each change says what it ended, and only that (engine.services.access's table).
    key = {"reactivate": "access_done_plain", "revoke_grant": "access_done_grant"}.get(result.action, "access_done")
    return t(key, action=t(f"access_{result.action}"), user=result.username, sessions=result.sessions_ended,
             tokens=result.tokens_revoked)

