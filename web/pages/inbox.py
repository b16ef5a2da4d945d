"""The in-app inbox, when the notifications package provides one (another part of
the project; the pages work without it)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.uow import UnitOfWork

from .common import Ctx, Form, redirect, render, signed_in, signed_in_post

router = APIRouter()


def inbox_module() -> ModuleType | None:
    """``notifications.inbox`` if this installation has it (another part of the
    project provides it; the pages work without it)."""
    try:
        module = importlib.import_module("notifications.inbox")
    except ImportError:
        return None
    needed = ("unread_count", "list_items", "mark_all_read")
    return module if all(hasattr(module, n) for n in needed) else None


def unread_count(ctx: Ctx) -> int | None:
    module = inbox_module()
    if module is None or ctx.user is None:
        return None
    with ctx.c.sessions() as session:
        return int(module.unread_count(session, ctx.user.user_id))


@router.get("/inbox")
def inbox(ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    module = inbox_module()
    items: list[Any] = []
    if module is not None:
        with ctx.c.sessions() as session:
            items = list(module.list_items(session, ctx.user.user_id, lang=ctx.lang, limit=100))
    return render(ctx, "inbox.html", available=module is not None, items=items)


@router.post("/inbox/read")
def inbox_read(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, _ = checked
    assert ctx.user is not None
    module = inbox_module()
    if module is not None:
        with UnitOfWork(ctx.c.sessions, write=True) as uow:
            module.mark_all_read(uow.session, ctx.user.user_id, now=ctx.c.clock.now())
            uow.commit()
    return redirect(ctx, "/inbox")
