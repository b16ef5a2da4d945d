"""The HTML pages for officials, leaders, the Front and citizens.

``install_pages(app)`` adds the routers, the static files, the security headers
middleware and the handlers of the pages' own refusals (sign-in needed, CSRF,
not found, not allowed, a database that cannot work) to an application built by
``web.app.create_app``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError

from ..security import SecurityHeadersMiddleware
from . import (access, admin, auth, case_files, case_lists, cases, consent, fund, inbox, meetings, minutes,
               programmes, programme_entry, receipts, support, track)
from .common import (BadForm, CsrfFailed, Forbidden, LoginRequired, PageNotFound, PasswordChangeRequired, get_ctx,
                     login_url, redirect, render)
from .failures import storage_failure_page
from .uploads import UPLOAD_PATHS

__all__ = ["install_pages", "STATIC"]

STATIC = Path(__file__).resolve().parent.parent / "static"


def _error(request: Request, status: int, title: str, message: str) -> Response:
    ctx = get_ctx(request)
    return render(ctx, "error.html", status=status, title=ctx.t(title), message=ctx.t(message))


def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return redirect(get_ctx(request), login_url(exc.next_path))


def _change_password(request: Request, exc: Exception) -> Response:
    return redirect(get_ctx(request), "/account/password?required=1")


def _csrf(request: Request, exc: Exception) -> Response:
    return _error(request, 403, "csrf_title", "csrf")


def _bad_form(request: Request, exc: Exception) -> Response:
    return _error(request, 400, "error_title", "version_invalid")


def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, "not_found_title", "not_found")


def _forbidden(request: Request, exc: Exception) -> Response:
    return _error(request, 403, "forbidden_title", "forbidden")


def install_pages(app: FastAPI) -> None:
    settings = app.state.container.settings
    # case_lists first: its /cases/export.csv is not a case's code.
    for module in (auth, case_lists, cases, case_files, meetings, track, admin, access, inbox, support, fund, consent,
                   programmes, programme_entry, receipts, minutes):
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeadersMiddleware, server_timing=settings.environment != "production",
                       upload_paths=UPLOAD_PATHS, upload_max_body=app.state.container.files.limits.max_step_bytes)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PasswordChangeRequired, _change_password)
    app.add_exception_handler(CsrfFailed, _csrf)
    app.add_exception_handler(BadForm, _bad_form)
    app.add_exception_handler(PageNotFound, _not_found)
    app.add_exception_handler(Forbidden, _forbidden)
    # A database that cannot work (full disk, read-only, unreachable): a 503 page.
    app.add_exception_handler(DBAPIError, storage_failure_page)
    app.add_exception_handler(OSError, storage_failure_page)
