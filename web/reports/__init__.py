"""The report and audit pages (``/reports``, ``/audit``) and their API
(``/api/v1/reports``, ``/api/v1/audit``); ``install_reports(app)`` adds both.

Authentication is the pages' (cookie sessions, ``web.pages.common``) and the
API's (bearer tokens, problem+json, ``web.api``); nothing here signs anyone in.
"""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["install_reports"]


def install_reports(app: FastAPI) -> None:
    from .api import router as api_router
    from .audit_pages import router as audit_pages_router
    from .pages import router as pages_router
    from .public import router as public_router
    from .support_pages import router as support_pages_router

    app.include_router(pages_router, include_in_schema=False)
    app.include_router(audit_pages_router, include_in_schema=False)
    app.include_router(support_pages_router, include_in_schema=False)
    app.include_router(api_router)
    app.include_router(public_router, include_in_schema=False)
    from .programmes_api import router as programmes_router
    app.include_router(programmes_router)
