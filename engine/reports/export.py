"""A report as JSON, CSV and an Excel workbook.

Every cell goes through :mod:`engine.tabular` (UTF-8 with the BOM; a unit's or a
programme's name never becomes a formula). One CSV holds every table, one row per
line of the report, the first column naming the table.

The workbook's first sheet is laid out as a Vietnamese periodic report is (national
motto, title, period, unit, numbered figures, signature block); then one sheet per
breakdown with Vietnamese headers and a total row, and a sheet of definitions.
"""

from __future__ import annotations

import io
import json
from datetime import timezone
from typing import Any, Iterable

from ..calendar import LOCAL_TZ
from ..tabular import csv_text, put_cell
from .labels import CASE_COLUMNS, DIMENSIONS, MEETING_COLUMNS, TITLE
from .queries import Figures, MeetingFigures, Report, Row

__all__ = ["report_json", "report_csv", "report_xlsx", "summary_lines"]


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def _cells(figs: Figures, meetings: MeetingFigures | None) -> list[Any]:
    values = figs.as_dict()
    out: list[Any] = [values[key] for key, _, _ in CASE_COLUMNS]
    m = (meetings or MeetingFigures()).as_dict()
    return out + [m[key] for key, _, _ in MEETING_COLUMNS]


def _headers(lang: str) -> list[str]:
    idx = 2 if lang == "en" else 1
    return [c[idx] for c in CASE_COLUMNS] + [c[idx] for c in MEETING_COLUMNS]


def _table_rows(report: Report, lang: str) -> Iterable[list[Any]]:
    total = "Total" if lang == "en" else "Tổng cộng"
    yield [total, report.unit or "", report.unit_name, *_cells(report.totals, report.meetings)]
    for attr, sec_vi, sec_en, _, _ in DIMENSIONS:
        for row in getattr(report, attr):
            yield [sec_en if lang == "en" else sec_vi, row.key, row.label_en if lang == "en" else row.label,
                   *_cells(row.cases, row.meetings)]


def report_csv(report: Report, lang: str = "vi") -> str:
    """The whole report as one CSV text, starting with the BOM."""
    first = ["Table", "Code", "Name"] if lang == "en" else ["Bảng", "Mã", "Tên"]
    return csv_text([first + _headers(lang), *_table_rows(report, lang)])


# -- Excel ---------------------------------------------------------------------------

def summary_lines(report: Report, lang: str = "vi") -> list[tuple[str, str, Any, Any]]:
    """(number, text, count, share %) lines of the summary, as a Vietnamese periodic
    report numbers them; a line without a count is a heading."""
    t, m = report.totals, report.meetings
    en = lang == "en"

    def pct(n: int, of: int) -> float | None:
        return round(100 * n / of, 1) if of else None

    def say(vi: str, english: str) -> str:
        return english if en else vi

    return [
        ("I", say("KẾT QUẢ TỔ CHỨC TIẾP XÚC, ĐỐI THOẠI VỚI NHÂN DÂN", "MEETINGS WITH CITIZENS"), None, None),
        ("1", say("Số buổi tiếp xúc, đối thoại", "Meetings held"), m.meetings, None),
        ("2", say("Số lượt người dân tham dự", "Attendees"), m.attendees, None),
        ("3", say("Số đơn vị tổ chức", "Units that held them"), m.units, None),
        ("II", say("KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT Ý KIẾN, KIẾN NGHỊ", "OPINIONS RECEIVED AND RESOLVED"), None, None),
        ("1", say("Tổng số ý kiến, kiến nghị tiếp nhận", "Opinions received"), t.received,
         100.0 if t.received else None),
        ("2", say("Trả lời, giải thích tại chỗ", "Answered on the spot"), t.answered_on_site,
         pct(t.answered_on_site, t.received)),
        ("3", say("Chuyển cơ quan, đơn vị có thẩm quyền xử lý", "Escalated to the competent unit"), t.escalated,
         pct(t.escalated, t.received)),
        ("4", say("Đã giải quyết xong", "Resolved"), t.resolved, t.share_resolved),
        ("4.1", say("Trong đó: giải quyết đúng hạn", "of which on time"), t.on_time, pct(t.on_time, t.resolved)),
        ("4.2", say("Đúng hạn sau khi được gia hạn", "late, with an accepted extension"), t.extended,
         pct(t.extended, t.resolved)),
        ("4.3", say("Trễ hạn", "late"), t.late, pct(t.late, t.resolved)),
        ("5", say("Đang giải quyết", "In progress"), t.in_progress, pct(t.in_progress, t.received)),
        ("5.1", say("Trong đó: còn quá hạn đến cuối kỳ", "of which still overdue at the period end"),
         t.still_overdue, pct(t.still_overdue, t.received)),
        ("6", say("Gộp ý kiến trùng, công dân rút ý kiến", "Merged as duplicates or withdrawn"), t.closed_other,
         pct(t.closed_other, t.received)),
        ("III", say("MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN", "CITIZENS' SATISFACTION"), None, None),
        ("1", say("Hài lòng", "Satisfied"), t.satisfied, t.share_satisfied),
        ("2", say("Không hài lòng", "Not satisfied"), t.not_satisfied,
         pct(t.not_satisfied, t.satisfied + t.not_satisfied)),
    ]


NOTES = (
    ("Ý kiến tiếp nhận", "Ý kiến, kiến nghị được tiếp nhận trong kỳ (theo ngày giờ Việt Nam), tại đơn vị "
                         "và các đơn vị trực thuộc; tình trạng tính đến hết ngày cuối kỳ."),
    ("Giải quyết đúng hạn", "Mọi bước xử lý có thời hạn đều hoàn thành trong hạn."),
    ("Đúng hạn sau gia hạn", "Có bước chỉ hoàn thành trong thời hạn đã được gia hạn (có lý do, được lãnh đạo "
                             "chấp thuận); không tính là trễ hạn."),
    ("Trễ hạn", "Có ít nhất một bước xử lý hoàn thành sau thời hạn."),
    ("Còn quá hạn cuối kỳ", "Chưa giải quyết xong và thời hạn đang áp dụng đã qua vào cuối kỳ."),
    ("Hài lòng", "Ý kiến của người dân khi cấp trên kiểm tra lại kết quả (lần gần nhất)."),
)


def report_xlsx(report: Report) -> bytes:
    """The workbook as bytes (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)
    generated = report.generated_at.astimezone(LOCAL_TZ)

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 58
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 12
    put_cell(ws, 1, 1, report.unit_name.upper())
    ws["A1"].font = bold
    ws.merge_cells("A1:B1")
    put_cell(ws, 1, 3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    put_cell(ws, 2, 3, "Độc lập - Tự do - Hạnh phúc")
    for ref in ("C1", "C2"):
        ws[ref].font = bold
        ws[ref].alignment = Alignment(horizontal="center")
    ws.merge_cells("C1:D1")
    ws.merge_cells("C2:D2")
    put_cell(ws, 3, 3, f"ngày {generated.day:02d} tháng {generated.month:02d} năm {generated.year}")
    ws["C3"].font = Font(italic=True)
    ws["C3"].alignment = Alignment(horizontal="center")
    ws.merge_cells("C3:D3")
    put_cell(ws, 5, 1, TITLE[0])
    ws["A5"].font = Font(bold=True, size=13)
    ws["A5"].alignment = center
    ws.merge_cells("A5:D5")
    ws.row_dimensions[5].height = 36
    put_cell(ws, 6, 1, f"Kỳ báo cáo: {report.period.label('vi').lower()}")
    put_cell(ws, 7, 1, f"Đơn vị: {report.unit_name}")
    programme = next((r.label for r in report.by_programme if r.key == report.programme), report.programme)
    put_cell(ws, 8, 1, f"Chương trình: {programme or 'Tất cả các chương trình'}")
    for row in (6, 7, 8):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")

    head = 10
    for col, text in enumerate(("STT", "Nội dung", "Số lượng", "Tỷ lệ (%)"), start=1):
        cell = put_cell(ws, head, col, text)
        cell.font, cell.alignment, cell.border = bold, center, box
    r = head
    for number, text, count, share in summary_lines(report):
        r += 1
        heading = count is None
        values = (number, text, count, share)
        for col, value in enumerate(values, start=1):
            cell = put_cell(ws, r, col, value)
            cell.border = box
            cell.alignment = center if col != 2 else wrap
            if heading:
                cell.font = bold
            if col == 4 and value is not None:
                cell.number_format = "0.0"
    r += 2
    put_cell(ws, r, 1, f"Số liệu tính đến hết ngày {report.period.end:%d/%m/%Y}; lập lúc "
                       f"{generated:%H:%M ngày %d/%m/%Y}.").font = Font(italic=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    r += 2
    put_cell(ws, r, 2, "NGƯỜI LẬP BIỂU").font = bold
    put_cell(ws, r, 3, "THỦ TRƯỞNG ĐƠN VỊ").font = bold
    ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=4)
    ws.cell(r, 2).alignment = ws.cell(r, 3).alignment = Alignment(horizontal="center")
    put_cell(ws, r + 1, 2, "(Ký, ghi rõ họ tên)").font = Font(italic=True)
    put_cell(ws, r + 1, 3, "(Ký tên, đóng dấu)").font = Font(italic=True)
    ws.merge_cells(start_row=r + 1, start_column=3, end_row=r + 1, end_column=4)
    ws.cell(r + 1, 2).alignment = ws.cell(r + 1, 3).alignment = Alignment(horizontal="center")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = None

    headers = _headers("vi")
    for attr, sheet_name, _, first_col, _ in DIMENSIONS:
        if not getattr(report, attr) and attr == "split":
            continue  # no merger in the period
        sheet = wb.create_sheet(sheet_name)
        columns = ["STT", first_col, "Mã", *headers]
        for col, text in enumerate(columns, start=1):
            cell = put_cell(sheet, 1, col, text)
            cell.font, cell.alignment, cell.border = bold, center, box
            sheet.column_dimensions[get_column_letter(col)].width = 32 if col == 2 else 13
        sheet.row_dimensions[1].height = 45
        rows: list[Row] = list(getattr(report, attr))
        for i, row in enumerate(rows, start=1):
            values = [i, row.label, row.key, *_cells(row.cases, row.meetings)]
            for col, value in enumerate(values, start=1):
                cell = put_cell(sheet, i + 1, col, value)
                cell.border = box
                if isinstance(value, float):
                    cell.number_format = "0.0"
        total_row = len(rows) + 2
        totals = ["", "Tổng cộng", "", *_cells(report.totals, report.meetings)]
        for col, value in enumerate(totals, start=1):
            cell = put_cell(sheet, total_row, col, value)
            cell.font, cell.border = bold, box
            if isinstance(value, float):
                cell.number_format = "0.0"
        sheet.freeze_panes = "D2"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape"

    notes = wb.create_sheet("Giải thích")
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["B"].width = 90
    put_cell(notes, 1, 1, "Chỉ tiêu").font = bold
    put_cell(notes, 1, 2, "Cách tính").font = bold
    for i, (name, text) in enumerate(NOTES, start=2):
        put_cell(notes, i, 1, name)
        put_cell(notes, i, 2, text).alignment = wrap

    wb.properties.title = TITLE[0]
    wb.properties.creator = "nghedan"
    wb.properties.created = report.generated_at.astimezone(timezone.utc).replace(tzinfo=None)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
