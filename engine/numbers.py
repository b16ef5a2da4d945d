"""Numbers as a reader of each language writes them: the one formatting function of
pages and text exports.

Vietnamese (TCVN / Decree 30/2020 administrative documents) groups thousands with a
dot and writes decimals after a comma: ``1.146`` people, ``31,8`` %. English groups
with a comma and writes a decimal point: ``1,146``, ``31.8``. Excel cells are not
formatted here: they stay numbers with a number format (``XLSX_INTEGER``,
``XLSX_SHARE``), which the spreadsheet shows in its reader's own convention.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["format_number", "XLSX_INTEGER", "XLSX_SHARE"]

XLSX_INTEGER = "#,##0"
XLSX_SHARE = "#,##0.0"
_MARKS = {"vi": (".", ","), "en": (",", ".")}  # (thousands, decimal)


def format_number(value: Any, lang: str = "vi", decimals: int | None = None) -> str:
    """``value`` for a reader of ``lang`` ("vi" unless "en"): an ``int`` as a whole
    number, a ``float``/``Decimal`` with ``decimals`` places (1 unless given, rounded
    half up); None is the empty string. Anything else is refused: text passing for a
    number is a bug upstream."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"not a number: {type(value).__name__}")
    thousands, point = _MARKS["en" if lang == "en" else "vi"]
    if isinstance(value, int) and decimals is None:
        return f"{value:,}".replace(",", thousands)
    places = 1 if decimals is None else decimals
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{places}f}"  # "1,234.5"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)
