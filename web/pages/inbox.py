"""The in-app inbox, when the notifications package provides one (another part of
the project; the pages work without it)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.uow import UnitOfWork

from .common import Ctx, Form, PageNotFound, redirect, render, safe_next, signed_in, signed_in_post

__all__ = ["router", "inbox_module", "unread_count"]

router = APIRouter()


def inbox_module() -> ModuleType | None:
    """``notifications.inbox`` if this installation has it (another part of the
    project provides it; the pages work without it)."""
    try:
        module = importlib.import_module("notifications.inbox")
    except ImportError:
        return None
    needed = ("unread_count", "list_items", "open_item", "mark_all_read")
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


@router.get("/inbox/{item_id}")
def inbox_open(item_id: str, ctx: Ctx = Depends(signed_in)) -> Response:
    """Opening an item marks it read, then goes where it points (the case, the
    meeting); the page links here rather than to the case itself."""
    assert ctx.user is not None
    module = inbox_module()
    if module is None or not item_id.isdigit() or len(item_id) > 12:
        raise PageNotFound()
    with UnitOfWork(ctx.c.sessions, write=True) as uow:
        entry = module.open_item(uow.session, ctx.user.user_id, int(item_id), now=ctx.c.clock.now(), lang=ctx.lang)
        uow.commit()
    if entry is None:  # another person's item, or none: the same answer
        raise PageNotFound()
    return redirect(ctx, safe_next(entry.link, "/inbox"))
