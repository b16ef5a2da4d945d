"""Every refusal and failure that escapes a route, answered in the form its caller
reads: an HTML page in the reader's language with a way back for a browser,
problem+json for the API (``/api/``, or a request that asks for JSON and not for
HTML), Open311's own error list under ``/open311/``. The one place that decides
browser or API, by path prefix first and the ``Accept`` header second.

The pages' own refusals (sign-in needed, a stale form, not found, not allowed)
are raised as exceptions by ``web.pages.common`` and rendered here too; the
database's failures are ``web.pages.failures``'s 503 page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.types import Scope

from .api.lang import negotiate
from .api.problems import from_http, problem_json
from .deps import get_container
from .pages.common import (BadForm, Ctx, CsrfFailed, Forbidden, LoginRequired, PageNotFound, PasswordChangeRequired,
                           get_ctx, login_url, redirect, render, safe_next)
from .pages.failures import storage_failure_page
from .pages.i18n import DEFAULT_LANG, LANGS, Translator
from .security import LANG_COOKIE

__all__ = ["install_errors", "wants_problem", "error_page", "too_large_page", "STATUS_PAGES"]

log = logging.getLogger(__name__)

# status → (title key, message key) of the catalogue (engine/locale)
STATUS_PAGES: dict[int, tuple[str, str]] = {
    400: ("error_title", "version_invalid"),
    403: ("forbidden_title", "forbidden"),
    404: ("not_found_title", "not_found"),
    405: ("err_405_title", "err_405"),
    413: ("err_413_title", "err_413"),
    429: ("err_429_title", "err_429"),
    500: ("err_500_title", "err_500"),
    503: ("unavailable_title", "err_503"),
}


def wants_problem(path: str, accept: str | None) -> bool:
    """Whether the caller is a program: an API path, or JSON asked for and HTML not."""
    if path.startswith("/api/"):
        return True
    accept = (accept or "").lower()
    return ("json" in accept) and "text/html" not in accept


def _ctx(request: Request) -> Ctx:
    try:
        return get_ctx(request)  # the signed-in user's language and menu
    except Exception:  # the database refuses reads: what the request itself carries
        lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
        lang = lang if lang in LANGS else DEFAULT_LANG
        return Ctx(request, get_container(request), None, lang, Translator(lang), "", None)


def _back(request: Request) -> str | None:
    """The page the reader came from, if it is one of this site's (never the failing one)."""
    referer = urlsplit(request.headers.get("referer", "")[:600])
    if referer.netloc != request.headers.get("host", "") or not referer.path:
        return None
    back = safe_next(referer.path + (f"?{referer.query}" if referer.query else ""), "")
    return back if back and referer.path != request.url.path else None


def _render(request: Request, status: int, title: str, message: str) -> Response:
    ctx = _ctx(request)
    return render(ctx, "error.html", status=status, title=ctx.t(title), message=ctx.t(message),
                  error_status=status, back=_back(request))


def error_page(request: Request, status: int, *, headers: dict[str, str] | None = None) -> Response:
    title, message = STATUS_PAGES.get(status, STATUS_PAGES[500 if status >= 500 else 400])
    response = _render(request, status, title, message)
    for name, value in (headers or {}).items():
        if name.lower() in ("retry-after", "allow"):
            response.headers[name] = value
    return response


def too_large_page(scope: Scope) -> Response:
    """The 413 of web.security's body limit, for a page's form (the API has its own)."""
    return error_page(Request(scope), 413)


def _lang(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


async def _http(request: Request, exc: Exception) -> Response:
    # 404 for an unknown path, 405 for a wrong method (raised by the router before
    # any route runs), and any HTTPException a page raises.
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith("/open311/"):
        from .open311.routing import open311_error_for_http

        return open311_error_for_http(request, exc)
    if wants_problem(path, request.headers.get("accept")):
        return from_http(exc, _lang(request))
    return error_page(request, exc.status_code, headers=dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    # A bug: logged with its traceback, answered without one.
    # (Starlette re-raises it after this answer: the server logs the traceback once.)
    log.error("unhandled error on %s %s", request.method, request.url.path)
    if wants_problem(request.url.path, request.headers.get("accept")) or request.url.path.startswith("/open311/"):
        lang = _lang(request)
        return problem_json("server-error", "Lỗi máy chủ; sự cố đã được ghi lại." if lang == "vi"
                            else "Server error; it has been logged.", lang)
    return error_page(request, 500)


def _page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    def handler(request: Request, exc: Exception) -> Response:
        return _render(request, status, title, message)
    return handler


def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return redirect(get_ctx(request), login_url(exc.next_path))


def _change_password(request: Request, exc: Exception) -> Response:
    return redirect(get_ctx(request), "/account/password?required=1")


def install_errors(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PasswordChangeRequired, _change_password)
    app.add_exception_handler(CsrfFailed, _page(403, "csrf_title", "csrf"))
    app.add_exception_handler(BadForm, _page(400, "error_title", "version_invalid"))
    app.add_exception_handler(PageNotFound, _page(404, "not_found_title", "not_found"))
    app.add_exception_handler(Forbidden, _page(403, "forbidden_title", "forbidden"))
    # A database that cannot work (full disk, read-only, unreachable): a 503 page.
    app.add_exception_handler(DBAPIError, storage_failure_page)
    app.add_exception_handler(OSError, storage_failure_page)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _server_error)
