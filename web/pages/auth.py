"""Signing in and out, changing one's password, choosing the language."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import InvalidField
from engine.services.directory import MAX_PASSWORD, MIN_PASSWORD, authenticate
from engine.uow import UnitOfWork

from ..security import LANG_COOKIE, SESSION_COOKIE, cookie_options, end_session, set_session_language, start_session
from .common import Ctx, Form, get_ctx, posted, redirect, render, safe_next, signed_in, signed_in_post
from .i18n import LANGS

router = APIRouter()


def _login_page(ctx: Ctx, *, next_path: str, username: str = "", error: str | None = None, status: int = 200,
                notice: str | None = None) -> Response:
    return render(ctx, "login.html", status=status, next_path=next_path, username=username, error=error,
                  notice=notice)


@router.get("/login")
def login_form(next: str = "/", bye: str = "", ctx: Ctx = Depends(get_ctx)) -> Response:
    if ctx.user is not None:
        return redirect(ctx, safe_next(next))
    return _login_page(ctx, next_path=safe_next(next), notice=ctx.t("logged_out") if bye else None)


@dataclass(frozen=True)
class SignInResult:
    token: str | None  # the new session's cookie value; None: refused
    error: str | None
    status: int


def try_sign_in(ctx: Ctx, username: str, password: str) -> SignInResult:
    """The one sign-in step (the login page, the intake's sign-in-again): throttled,
    the attempt counted and committed before the password is checked."""
    c, t = ctx.c, ctx.t
    username = username.strip()[:200]
    slot = c.login_throttle.take(c, username, ctx.ip)
    if slot.wait > 0:
        return SignInResult(None, t("login_throttled", minutes=max(1, (slot.wait + 59) // 60)), 429)
    with UnitOfWork(c.sessions, write=True) as uow:
        user = authenticate(uow.session, username, password, now=c.clock.now()) if username and password else None
        found = (user.id, user.language) if user is not None else None
        uow.commit()  # a rehashed password is kept
    if found is None:
        return SignInResult(None, t("login_failed"), 401)
    c.login_throttle.succeeded(c, username, ctx.ip, slot)
    user_id, language = found
    token = start_session(c, user_id, language=language if language in LANGS else "vi", ip=ctx.ip,
                          user_agent=ctx.request.headers.get("user-agent", ""))
    return SignInResult(token, None, 303)


@router.post("/login")
def login(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    username = form.get("username").strip()[:200]
    next_path = safe_next(form.get("next"))
    result = try_sign_in(ctx, username, form.get("password"))
    if result.token is None:
        return _login_page(ctx, next_path=next_path, username=username, status=result.status, error=result.error)
    response = redirect(ctx, next_path)
    response.set_cookie(SESSION_COOKIE, result.token, **cookie_options(ctx.https))
    return response


@router.post("/logout")
def logout(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, _ = checked
    assert ctx.user is not None
    end_session(ctx.c, ctx.user.session_id)
    response = redirect(ctx, "/login?bye=1")
    response.delete_cookie(SESSION_COOKIE, **cookie_options(ctx.https))
    return response


@router.get("/account/password")
def password_form(done: str = "", required: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    notice = ctx.t("password_changed") if done else ctx.t("access_must_change") if required else None
    return render(ctx, "password.html", errors={}, notice=notice)


@router.post("/account/password")
def change_password(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    c, t, me = ctx.c, ctx.t, ctx.user
    assert me is not None
    current, new, repeat = form.get("current"), form.get("new"), form.get("repeat")
    errors: dict[str, str] = {}
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        errors["new"] = t("password_short")
    elif new != repeat:
        errors["repeat"] = t("password_mismatch")
    elif new == current:
        errors["new"] = t("password_same")
    if errors:
        return render(ctx, "password.html", status=400, errors=errors, notice=None)
    slot = c.login_throttle.take(c, me.username, ctx.ip)
    if slot.wait > 0:
        errors = {"current": t("login_throttled", minutes=max(1, (slot.wait + 59) // 60))}
        return render(ctx, "password.html", status=429, errors=errors, notice=None)
    try:
        # Ends every session of this user, here and in every other browser, and revokes their tokens.
        c.access.change_password(me.user_id, current, new)
    except InvalidField as err:
        errors = {"current": t("password_wrong")} if err.params["field"] == "current" else {"new": t.error(err)}
        return render(ctx, "password.html", status=400, errors=errors, notice=None)
    c.login_throttle.succeeded(c, me.username, ctx.ip, slot)
    fresh = start_session(c, me.user_id, language=ctx.lang, ip=ctx.ip,
                          user_agent=ctx.request.headers.get("user-agent", ""))
    response = redirect(ctx, "/account/password?done=1")
    response.set_cookie(SESSION_COOKIE, fresh, **cookie_options(ctx.https))
    return response


@router.post("/lang")
def switch_language(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    lang = form.get("lang")
    if lang not in LANGS:
        lang = ctx.lang
    response = redirect(ctx, safe_next(form.get("next")))
    if ctx.user is not None:
        set_session_language(ctx.c, ctx.user.session_id, ctx.user.user_id, lang)
    else:
        response.set_cookie(LANG_COOKIE, lang, max_age=86400 * 365, **cookie_options(ctx.https))
    return response


__all__ = ["router", "try_sign_in", "SignInResult"]
