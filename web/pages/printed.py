"""Printed documents: receipts (phiếu tiếp nhận) and a meeting's minutes (biên bản).

Each document is one HTML template under ``templates/printed``, styled by
``static/print.css``: the browser prints the HTML (``format=html``) and the server
turns the same HTML and CSS into an A4 PDF (``web.printing.render_pdf``). QR codes
are ``segno`` SVGs inlined as ``data:`` URIs, so neither form fetches anything.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from fastapi.responses import HTMLResponse, Response

from ..printing import PDF_MEDIA_TYPE, render_pdf
from .common import ENV, Ctx, finish

__all__ = ["tracking_url", "qr_data_uri", "document"]

_PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "print.css"


@lru_cache(maxsize=1)
def _css() -> str:
    return _PRINT_CSS.read_text(encoding="utf-8")


def tracking_url(ctx: Ctx, code: str) -> str:
    """The tracking page's absolute address, as the QR code holds it."""
    # NGHEDAN_BASE_URL, the address messages link to, when a deployment set it: behind
    # a proxy the request's own host may be an internal name.
    notify = ctx.c.notify_settings
    base = notify.base_url if "base_url" in notify.model_fields_set else str(ctx.request.base_url)
    return f"{base.rstrip('/')}/tra-cuu/{quote(code)}"


def qr_data_uri(url: str) -> str:
    # Error correction M survives a crease or a coffee stain on a receipt.
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def document(ctx: Ctx, template: str, fmt: str, filename: str, **values: Any) -> Response:
    """The document as printable HTML (``fmt == "html"``) or as its A4 PDF."""
    html = ENV.get_template(template).render(t=ctx.t, lang=ctx.lang, **values)
    if fmt == "html":
        response: Response = HTMLResponse(html.replace("<!--print-css-->",
                                                       '<link rel="stylesheet" href="/static/print.css">'))
    else:
        response = Response(render_pdf(html, css=_css()), media_type=PDF_MEDIA_TYPE,
                            headers={"content-disposition": f'inline; filename="{filename}"'})
    finish(ctx, response)
    # A receipt carries a PIN shown once: no cache may keep it.
    response.headers["cache-control"] = "no-store"
    return response
