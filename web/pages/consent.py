"""An official records that the citizen withdrew their consent to messages (by phone,
in person): a button on the case page. The rule and the write are the engine's
(``engine.services.consents``); the address is never shown, only the channel."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.codes import normalise_code
from engine.errors import NotFound, OutOfScope, RoleNotAllowed

from .common import Ctx, Forbidden, Form, PageNotFound, redirect, signed_in_post

__all__ = ["router"]

router = APIRouter()


@router.post("/cases/{code}/consent/withdraw")
def withdraw(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, _ = checked
    assert ctx.user is not None
    try:
        ctx.c.consents.withdraw_by_official(ctx.user.actor, code[:60])
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except RoleNotAllowed:
        raise Forbidden() from None
    return redirect(ctx, f"/cases/{normalise_code(code[:60]) or 'x'}?done=consent")
