"""Receipts (phiếu tiếp nhận) from the case page and a meeting's page.

Printing a receipt issues a new PIN (``engine.services.receipts``): a POST, never a
GET, so no prefetch, crawler or reload prints one behind the official's back; the
previous PIN of that case stops working and the chain records the issue.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import DomainError, NotFound, OutOfScope
from engine.services.receipts import Receipt, issue_receipts, meeting_codes
from engine.vocab import KINDS, TOPICS

from .common import Ctx, Form, Forbidden, PageNotFound, signed_in_post
from .printed import document, qr_data_uri, tracking_url

__all__ = ["router"]

router = APIRouter()

# Receipts per A4 page when a whole meeting is printed (cut along the dashed lines).
PER_PAGE = 3


def _fmt(form: Form) -> str:
    return "html" if form.get("format") == "html" else "pdf"


def _slips(ctx: Ctx, receipts: list[Receipt]) -> list[dict[str, object]]:
    out = []
    for r in receipts:
        wf = ctx.c.workflows.get(r.workflow)
        url = tracking_url(ctx, r.code)
        out.append({"r": r, "url": url, "qr": qr_data_uri(url), "programme": wf.name.get(ctx.lang) if wf else "",
                    "topic": ctx.t.pick(TOPICS.get(r.topic), r.topic), "kind": ctx.t.pick(KINDS.get(r.kind), r.kind)})
    return out


def _issue(ctx: Ctx, codes: list[str]) -> list[Receipt]:
    assert ctx.user is not None
    try:
        return issue_receipts(ctx.c.cases, ctx.user.actor, codes)
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except DomainError:
        raise Forbidden() from None


@router.post("/cases/{code}/receipt")
def case_receipt(code: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    receipts = _issue(ctx, [code[:60]])
    return document(ctx, "printed/receipts.html", _fmt(form), f"phieu-tiep-nhan-{receipts[0].code}.pdf",
                    slips=_slips(ctx, receipts), per_page=1)


@router.post("/meetings/{meeting_id}/receipts")
def meeting_receipts(meeting_id: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    assert ctx.user is not None
    if not meeting_id.isdigit() or len(meeting_id) > 12:
        raise PageNotFound()
    try:
        codes = meeting_codes(ctx.c.cases, ctx.user.actor, int(meeting_id))
    except NotFound:
        raise PageNotFound() from None
    receipts = _issue(ctx, codes) if codes else []
    return document(ctx, "printed/receipts.html", _fmt(form), f"phieu-tiep-nhan-buoi-{meeting_id}.pdf",
                    slips=_slips(ctx, receipts), per_page=PER_PAGE)
