"""The HTML pages for officials, leaders, the Front and citizens.

``install_pages(app)`` adds the routers, the static files and the security headers
middleware to an application built by ``web.app.create_app``; the pages' refusals
and error pages are ``web.errors``'s.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..security import SecurityHeadersMiddleware
from . import (access, admin, auth, case_files, case_lists, cases, casework, consent, fund, inbox, meetings,
               minutes, programmes, programme_entry, receipts, support, track)
from . import admin_calendar, admin_units, admin_users, admin_webhooks
from .uploads import UPLOAD_PATHS

__all__ = ["install_pages", "STATIC"]

STATIC = Path(__file__).resolve().parent.parent / "static"


def install_pages(app: FastAPI) -> None:
    from ..errors import too_large_page

    settings = app.state.container.settings
    # case_lists first: its /cases/export.csv is not a case's code.
    for module in (auth, case_lists, cases, case_files, meetings, track, admin, access, inbox, support, fund, consent,
                   programmes, programme_entry, receipts, minutes, admin_users, admin_units, admin_calendar,
                   admin_webhooks, casework):
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeadersMiddleware, server_timing=settings.environment != "production",
                       upload_paths=UPLOAD_PATHS, upload_max_body=app.state.container.files.limits.max_step_bytes,
                       too_large_page=too_large_page)
    # The pages' refusals and error pages: web.errors (install_errors, from web.app).
