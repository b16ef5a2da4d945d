"""What the support pages share: a form post that takes effect once (its one-time
nonce as the idempotency key, ``engine.services.idempotency``), and the unit and
vocabulary choices of the forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable

from engine.calendar import LOCAL_TZ
from engine.services.idempotency import once
from engine.support.vocab import ACTIVITY_KINDS, CATEGORIES, SOURCES
from engine.uow import UnitOfWork

from ..security import new_token
from .common import Ctx, PageNotFound
from .data import intake_units

__all__ = ["NONCE", "fresh_nonce", "once_then", "today", "recording_units", "choices", "path_number"]

NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def path_number(text: str) -> int:
    """A number in a page's path; anything else is "not found" (a page, not a 422)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise PageNotFound()
    return int(text)


def fresh_nonce(given: str = "") -> str:
    return given if NONCE.match(given or "") else new_token()


def today(ctx: Ctx) -> date:
    return ctx.c.clock.now().astimezone(LOCAL_TZ).date()


def once_then(ctx: Ctx, nonce: str, operation: str, payload: Any, work: Callable[[UnitOfWork], str]) -> str:
    """Run ``work`` (which returns where to go next) once under the form's nonce: a
    form sent twice (a double click, a retry after a timeout) goes to the first
    result and writes nothing more."""
    assert ctx.user is not None
    answer, _ = once(ctx.c.cases, ctx.user.actor, nonce, operation, payload, work,
                     lambda uow, url: {"status": 303, "body": {"url": url}})
    return str(answer["body"]["url"])


def recording_units(ctx: Ctx, *, level: str | None = None) -> list[Any]:
    assert ctx.user is not None
    with ctx.c.sessions() as session:
        units = intake_units(session, ctx.user.actor, today(ctx))
    return [u for u in units if level is None or getattr(u, "level", None) == level]


def choices(ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
    pick = ctx.t.pick
    return {"kinds": [(k, pick(v)) for k, v in ACTIVITY_KINDS.items()],
            "categories": [(k, pick(v)) for k, v in CATEGORIES.items()],
            "sources": [(k, pick(v)) for k, v in SOURCES.items()]}
