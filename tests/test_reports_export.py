"""The report as JSON, CSV (UTF-8 with BOM) and an Excel workbook read back with
openpyxl; and the same through ``nghedan report``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_csv, report_json, report_xlsx
from engine.tabular import BOM

from .test_reports_support import OCTOBER, OCTOBER_MEETINGS, OCTOBER_TOTALS, build_october
from .test_reports import PROGRAMMES


@pytest.fixture
def rep(world, service, clock, workflows):
    build_october(world, service, clock, workflows)
    with service.uow(write=False) as uow:
        return build_report(uow.session, world["aud_p"], ReportRequest(Period(*OCTOBER), "P"), now=clock.now(),
                            programmes=PROGRAMMES)




def test_json_carries_every_figure(rep):
    data = json.loads(report_json(rep))
    assert {k: data["totals"][k] for k in OCTOBER_TOTALS} == OCTOBER_TOTALS
    assert data["meetings"] == OCTOBER_MEETINGS
    assert data["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert [r["key"] for r in data["by_unit"]] == ["A", "B", "P-SO"]
    assert data["by_topic"][1]["label"] == "Đất đai"


def test_csv_has_a_bom_and_keeps_the_diacritics(rep):
    text = report_csv(rep)
    assert text.startswith(BOM)
    raw = text.encode("utf-8")
    assert raw[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Bảng", "Mã", "Tên", "Số ý kiến tiếp nhận"]
    assert "Đúng hạn sau gia hạn – cuối kỳ" in header and "Số lượt người dân dự" in header
    total = dict(zip(header, rows[1]))
    assert total["Bảng"] == "Tổng cộng" and total["Tên"] == "Tỉnh P"
    assert (total["Số ý kiến tiếp nhận"], total["Đã giải quyết xong – cuối kỳ"],
            total["Tỷ lệ giải quyết (%) – cuối kỳ"]) == ("8", "4", "50,0")
    assert (total["Số buổi tiếp xúc, đối thoại"], total["Số lượt người dân dự"]) == ("4", "135")
    topics = {r[2]: dict(zip(header, r)) for r in rows if r[0] == "Theo lĩnh vực"}
    assert topics["Đất đai"]["Không hài lòng – cuối kỳ"] == "1"
    assert topics["An ninh trật tự"]["Gộp, rút – cuối kỳ"] == "1"
    months = [r for r in rows if r[0] == "Theo tháng"]
    # The month's row is the total's, but for the carried-over columns (by unit and in total only).
    carried = [i for i, h in enumerate(header) if h.startswith("Kỳ trước chuyển sang")]
    assert len(months) == 1 and months[0][:3] == ["Theo tháng", "2026-10", "Tháng 10/2026"]
    assert [v for i, v in enumerate(months[0][3:], 3) if i not in carried] == [
        v for i, v in enumerate(rows[1][3:], 3) if i not in carried]
    english = report_csv(rep, "en")
    assert english.startswith(BOM) and "Still overdue – at the period end" in english


def test_xlsx_reads_back_with_vietnamese_headers(rep):
    wb = load_workbook(io.BytesIO(report_xlsx(rep)))
    # A province's report has the section of its own level (tests/test_reports_levels_export.py).
    assert wb.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo lĩnh vực", "Theo chương trình", "Theo tháng",
                             "Đúng hạn theo cấp xử lý", "Giải thích"]
    summary = wb["Tổng hợp"]
    cells = {(c.row, c.column): c.value for row in summary.iter_rows() for c in row if c.value is not None}
    texts = [v for v in cells.values() if isinstance(v, str)]
    assert "BÁO CÁO KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN" in texts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Kỳ báo cáo: từ ngày 01/10/2026 đến ngày 31/10/2026" in texts
    assert "Đơn vị: Tỉnh P" in texts
    by_text = {summary.cell(r, 2).value: (summary.cell(r, 3).value, summary.cell(r, 4).value)
               for r in range(1, summary.max_row + 1)}
    # Numbers stay numbers, with a format (the reader's spreadsheet shows its own separators).
    meetings_row = next(r for r in range(1, summary.max_row + 1)
                        if summary.cell(r, 2).value == "Số buổi tiếp xúc, đối thoại")
    assert summary.cell(meetings_row, 3).number_format == "#,##0"
    assert by_text["Số buổi tiếp xúc, đối thoại"] == (4, None)
    assert by_text["Số lượt người dân tham dự"] == (135, None)
    assert by_text["Số đơn vị tổ chức"] == (3, None)
    assert by_text["Tổng số ý kiến, kiến nghị tiếp nhận"] == (8, 100.0)
    assert by_text["Đã giải quyết xong"] == (4, 50.0)
    assert summary.cell(next(r for r in range(1, 40) if summary.cell(r, 2).value == "Đã giải quyết xong"),
                        4).number_format == "#,##0.0"
    assert by_text["Trong đó: giải quyết đúng hạn"] == (2, 50.0)
    assert by_text["Đúng hạn sau gia hạn"] == (1, 25.0)
    assert by_text["Trễ hạn"] == (1, 25.0)
    assert by_text["Trong đó: còn quá hạn"] == (1, 12.5)
    assert by_text["Hài lòng"] == (3, 75.0)
    units = wb["Theo đơn vị"]
    header = [c.value for c in units[1]]
    assert header[:4] == ["STT", "Đơn vị", "Mã", "Số ý kiến tiếp nhận"]
    assert "Trễ hạn – cuối kỳ" in header and "Còn quá hạn – cuối kỳ" in header
    body = [[c.value for c in row] for row in units.iter_rows(min_row=2)]
    assert [(r[1], r[3]) for r in body][:4] == [("Xã A", 5), ("Xã B", 2), ("Sở Nông nghiệp và Môi trường", 1),
                                            ("Tổng cộng", 8)]
    topics = wb["Theo lĩnh vực"]
    assert [c.value for c in topics[1]][1] == "Lĩnh vực"
    assert {r[1].value: r[3].value for r in topics.iter_rows(min_row=2)}["Điện nước hạ tầng"] == 2


def test_cli_report_in_three_formats(world, service, clock, workflows, run, tmp_path):
    build_october(world, service, clock, workflows)
    out = run("report", "--from", "2026-10-01", "--to", "31/10/2026", "--unit", "P", "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["totals"]["received"] == 8
    target = tmp_path / "bao-cao.csv"
    out = run("report", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv", "-o", str(target))
    assert out.exit_code == 0, out.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbf") and "Đất đai" in target.read_text(encoding="utf-8-sig")
    book = tmp_path / "bao-cao.xlsx"
    out = run("report", "--from", "2026-10-01", "--to", "2026-10-31", "--programme", "moi-tuan-mot-diem-den",
              "--format", "xlsx", "-o", str(book))
    assert out.exit_code == 0, out.output
    summary = load_workbook(book)["Tổng hợp"]
    assert {summary.cell(r, 2).value: summary.cell(r, 3).value for r in range(1, 40)}[
        "Tổng số ý kiến, kiến nghị tiếp nhận"] == 1
    # As a user: their units only; another unit does not exist for them.
    out = run("report", "--from", "2026-10-01", "--to", "2026-10-31", "--as", "off_b")
    assert out.exit_code == 0 and json.loads(out.output)["totals"]["received"] == 2
    out = run("report", "--from", "2026-10-01", "--to", "2026-10-31", "--as", "off_b", "--unit", "A")
    assert out.exit_code == 2 and "Không tìm thấy" in out.output
    out = run("report", "--from", "2026-10-31", "--to", "2026-10-01")
    assert out.exit_code == 2
