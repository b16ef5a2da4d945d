"""The support report as JSON, CSV and an Excel workbook, through the one table
writer (``engine.tabular``). One figure a line: its key, its name and its value
(money in đồng, length in km as the field writes it, text), then one line a month."""

from __future__ import annotations

import io
import json
from typing import Any, Iterable

from ..support.amounts import format_km
from ..tabular import csv_text, put_cell
from .support import SupportReport, sentences

__all__ = ["FIGURES", "MONTH_COLUMNS", "figure_rows", "support_json", "support_csv", "support_xlsx"]

# (key, Vietnamese, English): the order of the report's table.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("gifts", "Số phần quà", "Gifts"),
    ("gift_value", "Trị giá quà (đồng)", "Value of gifts (đồng)"),
    ("households", "Số hộ được hỗ trợ", "Households supported"),
    ("value", "Tổng số tiền hỗ trợ (đồng)", "Value of support (đồng)"),
    ("cumulative_households", "Lũy kế số hộ được hỗ trợ", "Households supported, cumulative"),
    ("cumulative_value", "Lũy kế số tiền hỗ trợ (đồng)", "Value of support, cumulative (đồng)"),
    ("participations", "Lượt người tham gia lao động tình nguyện", "Volunteer participations"),
    ("length_km", "Tổng chiều dài (km)", "Length (km)"),
    ("houses_built", "Nhà tình thương xây mới", "New houses"),
    ("houses_built_value", "Trị giá nhà xây mới (đồng)", "Value of new houses (đồng)"),
    ("houses_repaired", "Nhà được sửa chữa", "Houses repaired"),
    ("houses_repaired_value", "Trị giá sửa chữa (đồng)", "Value of repairs (đồng)"),
    ("sanitation", "Hộ được làm nhà vệ sinh", "Households given sanitation"),
    ("sanitation_value", "Trị giá công trình vệ sinh (đồng)", "Value of sanitation (đồng)"),
    ("visits", "Cuộc gặp gỡ, thăm hộ", "Home visits"),
    ("official_participations", "Lượt cán bộ, công chức tham gia", "Official participations"),
    ("households_visited", "Số hộ được thăm", "Households visited"),
    ("opinions", "Lượt ý kiến ghi nhận", "Opinions recorded"),
)
MONTH_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("month", "Tháng", "Month"), ("gifts", "Phần quà", "Gifts"), ("households", "Hộ được hỗ trợ", "Households"),
    ("value", "Số tiền (đồng)", "Value (đồng)"), ("visits", "Cuộc thăm hộ", "Visits"),
)


def figure_rows(report: SupportReport) -> list[tuple[str, str, str, Any]]:
    """(key, vi, en, value) of every figure."""
    values: dict[str, Any] = {**{k: v for k, v in vars(report.period).items()},
                              "cumulative_households": report.cumulative_households,
                              "cumulative_value": report.cumulative_value,
                              "length_km": format_km(report.period.length_m)}
    return [(key, vi, en, values[key]) for key, vi, en in FIGURES]


def support_json(report: SupportReport, lang: str = "vi") -> str:
    body = report.as_dict()
    body["sentences"] = sentences(report, lang)
    return json.dumps(body, ensure_ascii=False, indent=2)


def _rows(report: SupportReport, lang: str) -> Iterable[list[Any]]:
    en = lang == "en"
    yield ["Table", "Code", "Name", "Value"] if en else ["Bảng", "Mã", "Tên", "Giá trị"]
    for key, vi, english, value in figure_rows(report):
        yield ["Figures" if en else "Số liệu", key, english if en else vi, value]
    for m in report.months:
        for key, vi, english in MONTH_COLUMNS[1:]:
            yield ["Month" if en else "Tháng", f"{m.month}:{key}", english if en else vi, getattr(m, key)]
    for text in sentences(report, lang):
        yield ["Text" if en else "Văn bản", "", "", text]


def support_csv(report: SupportReport, lang: str = "vi") -> str:
    return csv_text(_rows(report, lang))


def support_xlsx(report: SupportReport, lang: str = "vi") -> bytes:
    from openpyxl import Workbook

    en = lang == "en"
    wb = Workbook()
    ws = wb.active
    ws.title = "Tong hop" if not en else "Summary"
    title = "SUPPORT ACTIVITIES AND HOME VISITS" if en else "KẾT QUẢ HOẠT ĐỘNG LÀM DÂN TIN VÀ THĂM HỘ GIA ĐÌNH"
    put_cell(ws, 1, 1, title)
    put_cell(ws, 2, 1, f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}")
    put_cell(ws, 3, 1, report.unit_name)
    put_cell(ws, 5, 1, "Code" if en else "Mã")
    put_cell(ws, 5, 2, "Figure" if en else "Chỉ tiêu")
    put_cell(ws, 5, 3, "Value" if en else "Giá trị")
    row = 6
    for key, vi, english, value in figure_rows(report):
        put_cell(ws, row, 1, key)
        put_cell(ws, row, 2, english if en else vi)
        put_cell(ws, row, 3, value)
        row += 1
    row += 1
    for text in sentences(report, lang):
        put_cell(ws, row, 1, text)
        row += 1
    months = wb.create_sheet("Months" if en else "Theo thang")
    for col, (_, vi, english) in enumerate(MONTH_COLUMNS, start=1):
        put_cell(months, 1, col, english if en else vi)
    for r, m in enumerate(report.months, start=2):
        for col, (key, _, _) in enumerate(MONTH_COLUMNS, start=1):
            put_cell(months, r, col, getattr(m, key))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
