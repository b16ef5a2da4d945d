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
from ..numbers import XLSX_INTEGER, XLSX_SHARE, format_number
from ..tabular import csv_text, put_cell
from .figures import CarriedOver, Figures, MeetingFigures, Report, Row, share
from .labels import (AS_OF, AT_END, AT_LEVEL, CARRIED_COLUMNS, CASE_COLUMNS, DIMENSIONS, LEVEL_COLUMNS,
                     MEETING_COLUMNS, SECTIONS, STATUS_COLUMNS, TITLE)
from .levels import RULE as LEVEL_RULE
from .timeliness import RULE

__all__ = ["report_json", "report_csv", "report_xlsx", "summary_lines", "column_headers", "row_cells"]


def report_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def row_cells(figs: Figures, as_of: Figures, carried: CarriedOver | None,
              meetings: MeetingFigures | None) -> list[Any]:
    """One line of a table, in ``column_headers`` order (None: not given for this row)."""
    values, later = figs.as_dict(), as_of.as_dict()
    out: list[Any] = [values[key] for key, _, _ in CASE_COLUMNS]
    out += [later[key] for key, _, _ in STATUS_COLUMNS]
    c = carried.as_dict() if carried is not None else {}
    out += [c.get(key) for key, _, _ in CARRIED_COLUMNS]
    m = (meetings or MeetingFigures()).as_dict()
    return out + [m[key] for key, _, _ in MEETING_COLUMNS]


def column_headers(report: Report, lang: str) -> list[str]:
    idx = 2 if lang == "en" else 1
    day = report.as_of.strftime("%d/%m/%Y")
    at_end, as_of = AT_END[idx - 1], AS_OF[idx - 1].format(day=day)
    return ([c[idx] if c[0] == "received" else f"{c[idx]} – {at_end}" for c in CASE_COLUMNS]
            + [f"{c[idx]} – {as_of}" for c in STATUS_COLUMNS] + [c[idx] for c in CARRIED_COLUMNS]
            + [c[idx] for c in MEETING_COLUMNS])


def _table_rows(report: Report, lang: str) -> Iterable[list[Any]]:
    en = lang == "en"
    yield [SECTIONS["total"][1 if en else 0], report.unit or "", report.unit_name,
           *row_cells(report.totals, report.totals_as_of, report.carried, report.meetings)]
    for attr, sec_vi, sec_en, _, _ in DIMENSIONS:
        row: Row
        for row in getattr(report, attr):
            yield [sec_en if en else sec_vi, row.key, row.label_en if en else row.label,
                   *row_cells(row.cases, row.as_of, row.carried, row.meetings)]
    if report.at_level is not None:
        yield _level_row(report, lang)


def _level_row(report: Report, lang: str) -> list[Any]:
    """The "đúng hạn theo cấp xử lý" line: its three counts under the columns of the
    same name at the period end (the instant engine.reports.levels counts to), under
    "received" the opinions of the period it judges (their sum), the rest empty, so a
    program still reads one row per line under one header."""
    counts = report.at_level.as_dict()
    cells: list[Any] = [None] * len(column_headers(report, lang))
    cells[0] = sum(counts[key] for key, _, _ in LEVEL_COLUMNS)
    for key, _, _ in LEVEL_COLUMNS:
        cells[[c[0] for c in CASE_COLUMNS].index(key)] = counts[key]
    return [AT_LEVEL[1 if lang == "en" else 0], report.unit or "", report.unit_name, *cells]


def report_csv(report: Report, lang: str = "vi") -> str:
    """The whole report as one CSV text, starting with the BOM. In Vietnamese the
    numbers are written as Vietnamese readers write them (``1.146``, ``31,8``:
    ``engine.numbers``); in English as plain machine numbers (``1146``, ``31.8``).
    Data lines only: a program takes every line after the header as a row (the rule
    of timeliness is under the tables of the page and the workbook)."""
    first = ["Table", "Code", "Name"] if lang == "en" else ["Bảng", "Mã", "Tên"]
    en = lang == "en"

    def cell(value: Any) -> Any:
        if en or isinstance(value, str) or value is None:
            return value
        return format_number(value, "vi")

    lines = [[cell(v) for v in line] for line in _table_rows(report, lang)]
    return csv_text([first + column_headers(report, lang), *lines])


# -- Excel ---------------------------------------------------------------------------

def summary_lines(report: Report, lang: str = "vi") -> list[tuple[str, str, Any, Any, Any, Any]]:
    """(number, text, count, share %, count as of the report's day, its share) lines of
    the summary, as a Vietnamese periodic report numbers them; a line without a count
    is a heading. Meetings and opinions received do not depend on the status day."""
    t, a, m, c = report.totals, report.totals_as_of, report.meetings, report.carried
    en = lang == "en"

    def say(vi: str, english: str) -> str:
        return english if en else vi

    def both(number: str, text: str, key: str, of: str | None) -> tuple[str, str, Any, Any, Any, Any]:
        n, later = getattr(t, key), getattr(a, key)
        base, base_later = (getattr(t, of), getattr(a, of)) if of else (0, 0)
        return (number, text, n, share(n, base) if of else None, later, share(later, base_later) if of else None)

    def same(number: str, text: str, n: int, pct: float | None = None) -> tuple[str, str, Any, Any, Any, Any]:
        return (number, text, n, pct, n, pct)

    return [
        ("I", say("KẾT QUẢ TỔ CHỨC TIẾP XÚC, ĐỐI THOẠI VỚI NHÂN DÂN", "MEETINGS WITH CITIZENS"), None, None, None, None),
        same("1", say("Số buổi tiếp xúc, đối thoại", "Meetings held"), m.meetings),
        same("2", say("Số lượt người dân tham dự", "Citizens attending"), m.attendees),
        same("3", say("Số lượt cán bộ, công chức tham gia", "Official participations"), m.participations),
        same("4", say("Số đơn vị tổ chức", "Units that held them"), m.units),
        ("II", say("KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT Ý KIẾN, KIẾN NGHỊ", "OPINIONS RECEIVED AND RESOLVED"),
         None, None, None, None),
        same("1", say("Tổng số ý kiến, kiến nghị tiếp nhận", "Opinions received"), t.received,
             100.0 if t.received else None),
        both("2", say("Trả lời, giải thích tại chỗ", "Answered on the spot"), "answered_on_site", "received"),
        both("3", say("Chuyển cơ quan, đơn vị có thẩm quyền xử lý", "Passed to the competent unit"), "escalated",
             "received"),
        both("3.1", say("Trong đó: chuyển trong cấp xã (cùng cấp)", "of which transferred within the commune "
                        "(same level)"), "transferred_within", "received"),
        both("3.2", say("Đề xuất với cấp ủy, chính quyền cấp trên", "of which proposed to a higher level"),
             "proposed_higher", "received"),
        both("4", say("Đã giải quyết xong", "Resolved"), "resolved", "received"),
        both("4.1", say("Trong đó: giải quyết đúng hạn", "of which resolved on time"), "on_time", "resolved"),
        both("4.2", say("Đúng hạn sau gia hạn", "of which on time after an extension"), "extended", "resolved"),
        both("4.3", say("Trễ hạn", "of which late"), "late", "resolved"),
        both("5", say("Đang giải quyết", "In progress"), "in_progress", "received"),
        both("5.1", say("Trong đó: còn quá hạn", "of which still overdue"), "still_overdue", "received"),
        both("6", say("Gộp ý kiến trùng, công dân rút ý kiến", "Merged as duplicates or withdrawn"), "closed_other",
             "received"),
        same("7", say("Ý kiến kỳ trước chuyển sang (chưa xong khi bắt đầu kỳ)",
                      "Opinions carried over from earlier periods (open at the start)"), c.open_at_start),
        ("7.1", say("Trong đó: đã giải quyết xong", "of which resolved"), c.resolved,
         share(c.resolved, c.open_at_start), c.resolved_as_of, share(c.resolved_as_of, c.open_at_start)),
        ("III", say("MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN", "CITIZENS' SATISFACTION"), None, None, None, None),
        ("1", say("Hài lòng", "Satisfied"), t.satisfied, t.share_satisfied, a.satisfied, a.share_satisfied),
        ("2", say("Không hài lòng", "Not satisfied"), t.not_satisfied,
         share(t.not_satisfied, t.satisfied + t.not_satisfied), a.not_satisfied,
         share(a.not_satisfied, a.satisfied + a.not_satisfied)),
    ]


NOTES = (
    ("Ý kiến tiếp nhận", "Ý kiến, kiến nghị được tiếp nhận trong kỳ (theo ngày giờ Việt Nam), tại đơn vị "
                         "và các đơn vị trực thuộc."),
    ("Cuối kỳ / đến ngày báo cáo", "Tình trạng của các ý kiến đó được tính hai lần: đến hết ngày cuối kỳ (không "
                                   "đổi khi in lại), và đến hết ngày lập báo cáo (số liệu ghi trong báo cáo)."),
    ("Chuyển trong cấp xã", "Chuyển đến phòng, ban, tổ chức cùng cấp (hoặc chính quyền xã), chưa từng đề xuất "
                            "cấp trên."),
    ("Đề xuất cấp trên", "Chuyển lên đơn vị thuộc cấp hành chính cao hơn (huyện, tỉnh hoặc sở, ngành của cấp đó)."),
    ("Đúng hạn, gia hạn, trễ hạn", RULE[0]),
    ("Còn quá hạn", "Chưa giải quyết xong và thời hạn đang áp dụng đã qua vào thời điểm tính."),
    ("Kỳ trước chuyển sang", "Ý kiến tiếp nhận trước kỳ, chưa giải quyết xong khi bắt đầu kỳ; số đã giải quyết "
                             "xong trong kỳ và đến ngày báo cáo."),
    ("Lượt cán bộ tham gia", "Mỗi cán bộ, công chức có tên trong danh sách tham gia một buổi tiếp xúc là một lượt."),
    ("Hài lòng", "Ý kiến của người dân khi cấp trên kiểm tra lại kết quả (lần gần nhất)."),
)


def _number_format(cell: Any, value: Any) -> None:
    # Numbers stay numbers; the format groups thousands and fixes the decimals, shown
    # with the separators of the reader's spreadsheet (Vietnamese: 1.146 and 31,8).
    if isinstance(value, bool):
        return
    if isinstance(value, float):
        cell.number_format = XLSX_SHARE
    elif isinstance(value, int):
        cell.number_format = XLSX_INTEGER


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
    ws.column_dimensions["E"].width = 14
    ws.column_dimensions["F"].width = 12
    put_cell(ws, 1, 1, report.unit_name.upper())
    ws["A1"].font = bold
    ws.merge_cells("A1:B1")
    put_cell(ws, 1, 3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    put_cell(ws, 2, 3, "Độc lập - Tự do - Hạnh phúc")
    for ref in ("C1", "C2"):
        ws[ref].font = bold
        ws[ref].alignment = Alignment(horizontal="center")
    ws.merge_cells("C1:F1")
    ws.merge_cells("C2:F2")
    put_cell(ws, 3, 3, f"ngày {generated.day:02d} tháng {generated.month:02d} năm {generated.year}")
    ws["C3"].font = Font(italic=True)
    ws["C3"].alignment = Alignment(horizontal="center")
    ws.merge_cells("C3:F3")
    put_cell(ws, 5, 1, TITLE[0])
    ws["A5"].font = Font(bold=True, size=13)
    ws["A5"].alignment = center
    ws.merge_cells("A5:F5")
    ws.row_dimensions[5].height = 36
    put_cell(ws, 6, 1, f"Kỳ báo cáo: {report.period.label('vi').lower()}")
    put_cell(ws, 7, 1, f"Đơn vị: {report.unit_name}")
    programme = next((r.label for r in report.by_programme if r.key == report.programme), report.programme)
    put_cell(ws, 8, 1, f"Chương trình: {programme or 'Tất cả các chương trình'}")
    for row in (6, 7, 8):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")

    head = 10
    as_of = AS_OF[0].format(day=f"{report.as_of:%d/%m/%Y}")
    heads = ("STT", "Nội dung", f"Số lượng {AT_END[0]}", "Tỷ lệ (%)", f"Số lượng {as_of}", "Tỷ lệ (%)")
    for col, text in enumerate(heads, start=1):
        cell = put_cell(ws, head, col, text)
        cell.font, cell.alignment, cell.border = bold, center, box
    ws.row_dimensions[head].height = 45
    r = head
    for line in summary_lines(report):
        r += 1
        heading = line[2] is None
        for col, value in enumerate(line, start=1):
            cell = put_cell(ws, r, col, value)
            cell.border = box
            cell.alignment = center if col != 2 else wrap
            if heading:
                cell.font = bold
            _number_format(cell, value)
    r += 1
    put_cell(ws, r, 1, RULE[0]).alignment = wrap
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    ws.row_dimensions[r].height = 75
    r += 2
    put_cell(ws, r, 1, f"Số liệu tính đến hết ngày {report.period.end:%d/%m/%Y} và đến hết ngày "
                       f"{report.as_of:%d/%m/%Y}; lập lúc {generated:%H:%M ngày %d/%m/%Y}.").font = Font(italic=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    r += 2
    put_cell(ws, r, 2, "NGƯỜI LẬP BIỂU").font = bold
    put_cell(ws, r, 3, "THỦ TRƯỞNG ĐƠN VỊ").font = bold
    ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=6)
    ws.cell(r, 2).alignment = ws.cell(r, 3).alignment = Alignment(horizontal="center")
    put_cell(ws, r + 1, 2, "(Ký, ghi rõ họ tên)").font = Font(italic=True)
    put_cell(ws, r + 1, 3, "(Ký tên, đóng dấu)").font = Font(italic=True)
    ws.merge_cells(start_row=r + 1, start_column=3, end_row=r + 1, end_column=6)
    ws.cell(r + 1, 2).alignment = ws.cell(r + 1, 3).alignment = Alignment(horizontal="center")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = None

    headers = column_headers(report, "vi")
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
            values = [i, row.label, row.key, *row_cells(row.cases, row.as_of, row.carried, row.meetings)]
            for col, value in enumerate(values, start=1):
                cell = put_cell(sheet, i + 1, col, value)
                cell.border = box
                if col > 3:
                    _number_format(cell, value)
        total_row = len(rows) + 2
        carried = report.carried if attr == "by_unit" else None
        totals = ["", SECTIONS["total"][0], "",
                  *row_cells(report.totals, report.totals_as_of, carried, report.meetings)]
        for col, value in enumerate(totals, start=1):
            cell = put_cell(sheet, total_row, col, value)
            cell.font, cell.border = bold, box
            if col > 3:
                _number_format(cell, value)
        put_cell(sheet, total_row + 2, 2, RULE[0]).alignment = wrap
        sheet.merge_cells(start_row=total_row + 2, start_column=2, end_row=total_row + 2, end_column=12)
        sheet.row_dimensions[total_row + 2].height = 60
        sheet.freeze_panes = "D2"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape"

    if report.at_level is not None:
        _level_sheet(wb.create_sheet(AT_LEVEL[0]), report, bold, center, wrap, box)

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


def _level_sheet(sheet: Any, report: Report, bold: Any, center: Any, wrap: Any, box: Any) -> None:
    """The "đúng hạn theo cấp xử lý" section as the page shows it: its title naming
    the unit, one line per figure, and its rule (not the cohort's) under it."""
    sheet.column_dimensions["A"].width = 7
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 16
    put_cell(sheet, 1, 1, f"{AT_LEVEL[0]}: các bước do {report.unit_name} đảm nhận").font = bold
    sheet.merge_cells("A1:C1")
    for col, text in enumerate(("STT", "Chỉ tiêu", f"Số ý kiến {AT_END[0]}"), start=1):
        cell = put_cell(sheet, 3, col, text)
        cell.font, cell.alignment, cell.border = bold, center, box
    counts = report.at_level.as_dict()
    for i, (key, text, _) in enumerate(LEVEL_COLUMNS, start=1):
        for col, value in enumerate((i, text, counts[key]), start=1):
            cell = put_cell(sheet, 3 + i, col, value)
            cell.border = box
            _number_format(cell, value)
    rule_row = 4 + len(LEVEL_COLUMNS) + 1
    put_cell(sheet, rule_row, 1, LEVEL_RULE[0]).alignment = wrap
    sheet.merge_cells(start_row=rule_row, start_column=1, end_row=rule_row, end_column=3)
    sheet.row_dimensions[rule_row].height = 90
