"""The one writer of every table the application hands out: CSV and Excel cells.

Exports carry what citizens said, officials' remarks and answers, citizens' names and
units' names. Opened in a spreadsheet, a text starting like ``=HYPERLINK(...)`` or
``+cmd|' /C calc'!A0`` would run as a formula on the reader's machine (CSV/formula
injection). Every exporter — case histories, the Front's audit exports, the reports —
writes through here, so the rule below is decided once.

**The rule** (:func:`is_formula_like`). A text cell is dangerous when

* it starts with TAB, CR or LF (OWASP lists TAB and CR: some importers drop them and
  read on; a leading line break is where a line-based importer starts a new record), or
* its first character that is neither whitespace nor invisible (a control character,
  a zero-width space, a BOM, a direction mark) is ``=``, ``+``, ``-`` or ``@`` once folded
  with Unicode NFKC — so the full-width ``＝＋－＠`` of East Asian input methods and the
  small or super/subscript variants count too (some spreadsheet locales read them as
  the ASCII signs; treating them as such costs an apostrophe at worst).

Only the start of a cell is interpreted: a line break *inside* a value is quoted by the
CSV writer, so conforming readers keep it one cell, and text after it is left as typed
(prefixing every line would deface an official's "- đã kiểm tra…" lists).

**What is done about it.** In CSV, plain text cannot say "this is text", so a
dangerous text gets a leading apostrophe (OWASP's advice; spreadsheets then show it as
text, and the original is the cell minus its first character). In XLSX the type says
it: every text is written as a string cell (openpyxl would otherwise store a string
starting with ``=`` as a formula, and ``#REF!`` as an error), and a dangerous one also
carries ``quotePrefix`` — what Excel itself records when someone types ``'=…`` — so
editing the cell does not turn it into a formula either.

Numbers (``int``, ``float``, ``Decimal``), booleans and dates are not text: they stay
typed, a negative number included. The *string* ``"-1+2"`` is text, and neutralised.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable

from .calendar import LOCAL_TZ

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["BOM", "CSV_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "is_formula_like", "neutralise", "CsvWriter", "csv_text",
           "put_cell", "DATE_FORMAT", "DATETIME_FORMAT"]

# Without the byte order mark Excel reads UTF-8 as the Windows code page ("Đất" → "Ä\x90áº¥t").
BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_TRIGGERS = frozenset("=+-@")
_LINE_STARTS = ("\t", "\r", "\n")
_INVISIBLE = ("Cc", "Cf")  # control and format characters: nothing a reader sees before the "="
# Characters XML 1.0 cannot carry: openpyxl refuses the whole workbook over one of them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TYPED = (int, float, Decimal, date)  # bool is an int; datetime is a date


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as the start of a formula? (See the rule above.)"""
    if text.startswith(_LINE_STARTS):
        return True
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) in _INVISIBLE:
            continue
        return unicodedata.normalize("NFKC", ch)[:1] in _TRIGGERS
    return False


def neutralise(text: str) -> str:
    """The text as a CSV cell: an apostrophe before it when it is formula-like."""
    return "'" + text if is_formula_like(text) else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, _TYPED):
        return value  # the csv module writes numbers as they are; "-3" read back is a number
    return neutralise(value if isinstance(value, str) else str(value))


class CsvWriter:
    """CSV in UTF-8 with the BOM, CRLF line ends, every cell through the rule.

    Rows accumulate until :meth:`take`, so a long export is streamed in chunks
    (one per case, say) while the BOM is written exactly once, first."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._buffer.write(BOM)
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([_csv_value(v) for v in values])

    def rows(self, many: Iterable[Iterable[Any]]) -> None:
        for values in many:
            self.row(values)

    def take(self) -> str:
        """What was written since the last call."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (BOM first) of these rows."""
    out = CsvWriter()
    out.rows(rows)
    return out.take()


def put_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one worksheet cell by the rule: text as a string cell (never a formula or
    an error), numbers and dates typed, ``None`` empty."""
    cell = ws.cell(row, column)
    if value is None or isinstance(value, bool | int | float | Decimal):
        cell.value = value
        return cell
    if isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            # Excel has no time zones: write the wall time its readers live in.
            value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
        cell.value = value
        # Day first, as Vietnamese readers write it (openpyxl's default shows 2026-11-03).
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    text = value if isinstance(value, str) else str(value)
    cell.value = _NOT_XML.sub("\ufffd", text)
    cell.data_type = "s"  # assigning a str starting with "=" made it "f"; "#N/A" made it "e"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell
