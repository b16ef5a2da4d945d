"""The FastAPI application factory. Nothing is created at import time; the
scheduler never runs here (see ``nghedan worker``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from .api import install_api
from .container import Container, build_container
from .errors import install_errors
from .pages import install_pages
from .reports import install_reports
from .settings import Settings, get_settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    container = container or build_container(settings or get_settings())
    # transitions logs two INFO lines per fired event; that is noise in a server log.
    logging.getLogger("transitions").setLevel(logging.WARNING)
    app = FastAPI(title="nghedan", version="0.1.0",
                  description="Theo dõi ý kiến, kiến nghị của người dân đến khi được trả lời.")
    app.state.container = container

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_pages(app)  # HTML pages, static files, security headers
    install_api(app, container)  # JSON API /api/v1, Open311 /open311/v2, problem+json
    install_reports(app)  # /reports, /audit and /api/v1/reports, /api/v1/audit
    install_errors(app)  # error pages for browsers, problem+json for the API (web.errors)
    return app
