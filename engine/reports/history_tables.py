"""Case histories as tables a person reads: CSV (UTF-8 with BOM) and Excel, one line per
event with its case's columns, every code in words (``engine.reports.history_labels``),
headers in the reader's language.

The JSON export (``engine.reports.audit_export.history_json``) keeps the machine
fields, so the chain can still be recomputed offline; these keep the hashes too (a
column each) for whoever wants to compare them by hand. Both go through
``engine.tabular``, the one writer that neutralises formulas.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from ..actors import Actor
from ..tabular import CsvWriter, put_cell
from .audit_export import CaseSelection, iter_case_exports
from .history_labels import HistoryLabels

__all__ = ["HISTORY_COLUMNS", "history_headers", "history_rows", "history_csv", "history_xlsx"]

HISTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mã ý kiến", "Case code"), ("Loại", "Kind"), ("Lĩnh vực", "Topic"), ("Hình thức tiếp nhận", "Channel"),
    ("Đơn vị tiếp nhận", "Receiving unit"), ("Đơn vị xử lý", "Handling unit"),
    ("Trạng thái hiện tại", "Current state"), ("Người dân", "Citizen"), ("Điện thoại", "Phone"),
    ("Mức hiển thị thông tin người dân", "Citizen's details shown"), ("STT sự kiện", "Event no."),
    ("Thời điểm", "Time"), ("Người thực hiện", "By"), ("Thao tác", "Action"), ("Từ trạng thái", "From state"),
    ("Sang trạng thái", "To state"), ("Ghi chú", "Note"), ("Chi tiết", "Details"),
    ("Mã băm sự kiện trước", "Previous event's hash"), ("Mã băm", "Hash"), ("Kiểm tra toàn vẹn", "Integrity check"),
)


def history_headers(lang: str) -> list[str]:
    return [en if lang == "en" else vi for vi, en in HISTORY_COLUMNS]


def history_rows(session: Session, actor: Actor, sel: CaseSelection, labels: HistoryLabels
                 ) -> Iterator[list[list[Any]]]:
    """The rows of each case in turn (a case without events still has its line)."""
    for item in iter_case_exports(session, actor, sel):
        case = labels.case(item)
        citizen = item["citizen"]
        head = [case["code"], case["kind"], case["topic"], case["channel"], case["origin_unit"],
                case["handling_unit"], case["state"], citizen["name"] or "", citizen["phone"] or "",
                case["disclosure"]]
        rows = []
        for ev in item["events"] or [None]:
            e = labels.event(item, ev) if ev else {}
            rows.append([*head, e.get("seq", ""), e.get("at", ""), e.get("actor", ""), e.get("action", ""),
                         e.get("from", ""), e.get("to", ""), e.get("note", ""), e.get("details", ""),
                         e.get("prev_hash", ""), e.get("hash", ""), case["verdict"]])
        yield rows


def history_csv(session: Session, actor: Actor, sel: CaseSelection, labels: HistoryLabels) -> Iterator[str]:
    """One chunk per case, the header first."""
    out = CsvWriter()
    out.row(history_headers(labels.lang))
    for rows in history_rows(session, actor, sel, labels):
        out.rows(rows)
        yield out.take()
    rest = out.take()
    if rest:
        yield rest


def history_xlsx(session: Session, actor: Actor, sel: CaseSelection, labels: HistoryLabels) -> bytes:
    """One worksheet, built in memory: an .xlsx is a zip written once at the end, and
    ``put_cell`` needs an ordinary worksheet (a unit's month is a few thousand lines)."""
    book = Workbook()
    ws = book.active
    ws.title = "Lịch sử hồ sơ" if labels.lang != "en" else "Case histories"
    for col, name in enumerate(history_headers(labels.lang), start=1):
        put_cell(ws, 1, col, name).font = Font(bold=True)
    line = 2
    for rows in history_rows(session, actor, sel, labels):
        for row in rows:
            for col, value in enumerate(row, start=1):
                put_cell(ws, line, col, value)
            line += 1
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
