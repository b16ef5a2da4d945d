"""FastAPI dependencies shared by pages and API: the container and the clock."""

from __future__ import annotations

from fastapi import Request

from .container import Container

__all__ = ["get_container"]


def get_container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]
