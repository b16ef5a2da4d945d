"""Printed documents as PDF: one place that turns a page's HTML into an A4 PDF.

Receipts, a meeting's minutes and registers are written as HTML templates with print
CSS (the browser prints the same page); the server's PDF comes from WeasyPrint, a real
layout engine, so what the citizen takes home matches what the office printed. The
font is DejaVu Sans, which has every Vietnamese letter; WeasyPrint embeds the subset
it uses, so the PDF reads the same on a machine without it. Nothing is fetched from
the network: a document's images are inline (QR codes as SVG) and its stylesheet is
passed in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["PDF_MEDIA_TYPE", "FONT_FAMILY", "render_pdf"]

PDF_MEDIA_TYPE = "application/pdf"
FONT_FAMILY = "DejaVu Sans"

_BASE_CSS = f"""
@page {{ size: A4; margin: 15mm; }}
html {{ font-family: "{FONT_FAMILY}", sans-serif; font-size: 10.5pt; }}
"""


@lru_cache(maxsize=1)
def _base_stylesheet() -> Any:
    from weasyprint import CSS
    return CSS(string=_BASE_CSS)


def _fetcher() -> Any:
    # Only inline ``data:`` resources: a document must not make the server fetch
    # anything (a citizen's text may carry an address; an <img> would be a request
    # from inside the deployment's network).
    from weasyprint.urls import URLFetcher
    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


def render_pdf(html: str, *, css: str = "") -> bytes:
    """The PDF of ``html`` (a whole document), A4, with ``css`` after the base style."""
    from weasyprint import CSS, HTML  # imported on first use: it loads Pango
    sheets = [_base_stylesheet()] + ([CSS(string=css)] if css else [])
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf(stylesheets=sheets)
