"""A commune's fund: the ledger for those who may read it, income recorded and
entries corrected by reversal (``engine.services.fund``), and the public page
(công khai thu chi) of a month, without sign-in and without any personal data."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import DomainError, NotFound
from engine.services.fund import NewIncome
from engine.support.amounts import format_dong
from engine.support.vocab import ACTIVITY_KINDS, ENTRY_KINDS

from .common import Ctx, Form, PageNotFound, get_ctx, redirect, render, signed_in, signed_in_post
from .support_forms import fresh_nonce, once_then, path_number, today

__all__ = ["router"]

router = APIRouter()


def _ledger(ctx: Ctx, commune: str, error: str = "", status: int = 200, values: dict[str, str] | None = None) -> Response:
    assert ctx.user is not None
    try:
        count, balance, entries = ctx.c.fund.entries(ctx.user.actor, commune)
    except NotFound:
        raise PageNotFound() from None
    pick = ctx.t.pick
    return render(ctx, "support/fund.html", status=status, commune=commune, count=count, balance=balance,
                  entries=entries, error=error, values=values or {"on_date": today(ctx).isoformat()},
                  nonce=fresh_nonce(), money=format_dong, today=today(ctx),
                  kinds={k: pick(v) for k, v in ENTRY_KINDS.items()},
                  purposes={k: pick(v) for k, v in ACTIVITY_KINDS.items()})


@router.get("/fund/{commune}")
def fund_page(commune: str, ctx: Ctx = Depends(signed_in)) -> Response:
    return _ledger(ctx, commune)


def _expected(form: Form) -> int | None:
    text = form.get("expected_count")
    return int(text) if text.isdigit() and len(text) < 10 else None


@router.post("/fund/{commune}/income")
def fund_income(commune: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    actor = ctx.user.actor
    values = {k: form.get(k) for k in ("on_date", "amount", "donor", "note")}
    new = NewIncome(commune=commune, on_date=values["on_date"], amount=values["amount"], donor=values["donor"],
                    note=values["note"])
    try:
        url = once_then(ctx, fresh_nonce(form.get("nonce")), "page.fund.income", [commune, values], lambda uow: (
            ctx.c.fund.income_within(uow, actor, new, expected_count=_expected(form)), f"/fund/{commune}")[1])
    except NotFound:
        raise PageNotFound() from None
    except DomainError as err:
        return _ledger(ctx, commune, ctx.t.error(err), 400, values)
    return redirect(ctx, url)


@router.post("/fund/{commune}/entries/{seq}/reverse")
def fund_reverse(commune: str, seq: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    actor = ctx.user.actor
    reason = form.get("reason")
    number = path_number(seq)
    try:
        url = once_then(ctx, fresh_nonce(form.get("nonce")), "page.fund.reversal", [commune, number, reason],
                        lambda uow: (ctx.c.fund.reverse_within(uow, actor, commune, number, reason,
                                                               expected_count=_expected(form)), f"/fund/{commune}")[1])
    except NotFound:
        raise PageNotFound() from None
    except DomainError as err:
        return _ledger(ctx, commune, ctx.t.error(err), 400)
    return redirect(ctx, url)


@router.get("/public/fund/{commune}/{year}/{month}")
def public_fund(commune: str, year: str, month: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    try:
        st = ctx.c.fund.statement(commune, path_number(year), path_number(month))
    except DomainError:
        raise PageNotFound() from None
    purposes = {k: ctx.t.pick(v) for k, v in ACTIVITY_KINDS.items()}
    return render(ctx, "support/public_fund.html", st=st, money=format_dong, purposes=purposes)
