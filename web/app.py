"""The FastAPI application factory. Nothing is created at import time; the
scheduler never runs here (see ``nghedan worker``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from .container import Container, build_container
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

    return app
