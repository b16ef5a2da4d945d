"""A meeting's intake posted after the session or the form's token expired: what was
typed is shown again instead of thrown away.

Typing ten opinions takes longer than a session may sit idle, and signing in again
in another tab gives the session a new CSRF token. Both used to end in the sign-in
page or a 403 with every row lost. Here, for a post from this site only (its
Origin, when sent, is ours: a forged post from elsewhere is still refused):

- no session: a page asks to sign in again and carries every typed value back in
  the same form, so nothing is kept on the server for a person not signed in; the
  sign-in is the login page's own step (throttled), then the whole form is shown
  again, filled in, with the session's fresh token;
- a stale token with a live session: the form comes back filled in, with the
  session's token.

Neither saves: the person checks and saves. The form keeps its one-time nonce, so if
the first post did save (and only its answer was lost), saving again hands back that
first meeting instead of writing the cases twice. Files cannot be carried back in a
page; the person is asked to choose them again.
"""

from __future__ import annotations

from typing import Callable

from fastapi import Depends, Request
from fastapi.responses import Response

from ..security import SESSION_COOKIE, cookie_options, load_session, same_token
from .auth import try_sign_in
from .common import CsrfFailed, Ctx, PasswordChangeRequired, from_this_site, get_ctx, redirect, render
from .i18n import LANGS, Translator
from .uploads import UploadForm, read_upload_form

__all__ = ["IntakePost", "intake_post", "relogin_page", "after_sign_in"]

IntakePost = tuple[Ctx, UploadForm, bool]  # the context, the form, whether its token was good


def intake_post(request: Request, ctx: Ctx = Depends(get_ctx),
                form: UploadForm = Depends(read_upload_form)) -> IntakePost:
    """The intake's post, whoever sent it from this site; refuses only forgeries."""
    if not from_this_site(request):
        raise CsrfFailed()
    if ctx.user is not None and ctx.user.must_change_password:
        raise PasswordChangeRequired()
    return ctx, form, same_token(form.get("csrf", ""), ctx.expected_csrf)


def relogin_page(ctx: Ctx, hidden: list[tuple[str, str]], kept: int, *, error: str | None = None,
                 status: int = 401, username: str = "") -> Response:
    """Sign in again, with every typed value carried in the same form."""
    return render(ctx, "meeting_relogin.html", status=status, hidden=hidden, kept=kept, error=error,
                  username=username)


def after_sign_in(ctx: Ctx, form: UploadForm, show: Callable[[Ctx], Response],
                  hidden: list[tuple[str, str]], kept: int) -> Response:
    """The sign-in-again form posted: sign in, then ``show`` the filled-in form."""
    username = form.get("username").strip()[:200]
    if not same_token(form.get("csrf", ""), ctx.expected_csrf):
        return relogin_page(ctx, hidden, kept, status=403, username=username)
    result = try_sign_in(ctx, username, form.get("password"))
    if result.token is None:
        return relogin_page(ctx, hidden, kept, error=result.error, status=result.status, username=username)
    user = load_session(ctx.c, result.token)
    assert user is not None  # just started
    lang = user.language if user.language in LANGS else ctx.lang
    signed = Ctx(ctx.request, ctx.c, user, lang, Translator(lang), user.csrf_token, user.csrf_token)
    # A temporary password opens only the page that replaces it (web.pages.common.signed_in).
    response = redirect(signed, "/account/password?required=1") if user.must_change_password else show(signed)
    response.set_cookie(SESSION_COOKIE, result.token, **cookie_options(ctx.https))
    return response
