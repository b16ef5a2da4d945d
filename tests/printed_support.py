"""Helpers of the printed-document tests (receipts, minutes): a PDF's text and the QR codes on its pages."""

from __future__ import annotations

import io
import re

import pypdf

__all__ = ["pdf_text", "qr_texts", "pins_of"]


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def qr_texts(data: bytes, page_index: int = 0) -> list[str]:
    """Every QR code zxing-cpp finds on the rasterised page (300 dpi)."""
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(data)[page_index]
    image = page.render(scale=300 / 72).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def pins_of(text: str) -> list[str]:
    """The PINs printed in a receipt's text (the 6 digits after "Mã PIN")."""
    return re.findall(r"Mã PIN\s*(\d{6})", text)
