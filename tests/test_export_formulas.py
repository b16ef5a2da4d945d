"""No export turns what people typed into a live spreadsheet formula.

Formulas go into an opinion's content, its citizen's name and phone, an on-the-spot
answer, an auditor's remark and units' names; then every CSV and workbook the
application writes — the case history page, the Front's audit exports, the reports,
their API twins and the command line — is downloaded and read back: no cell starts
like a formula, the text is still there (behind an apostrophe in CSV, as a string
cell with Excel's quote prefix in XLSX), and counts are still numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from engine.disclosure import mask_name, mask_phone
from engine.services import directory
from engine.tabular import CsvWriter, csv_text, is_formula_like, neutralise, put_cell

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, web_app, web_container  # noqa: F401
from .world import UNITS

PAYLOADS = ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3",
            "\t=1", "\r=1", "＝1+1")
# Harder variants the writer must also catch: after whitespace or invisible characters, other widths.
VARIANTS = (" =1+1", "\u00a0+1", "\u3000@x", "\u200b=1", "\ufeff=1", "\x01=1", "\n=1", "﹦1", "＋1", "－1", "＠x")
# Each unit renamed to one payload: a report on P lists A, B and P-SO, one on A lists the other four.
UNIT_NAMES = {**dict(zip(("A", "B", "P-SO", "A1", "A2", "A-KT", "A-MT"), PAYLOADS)), "P": "\u00a0＠Tỉnh P"}
PHONE = "+84901234567"
DAY = "2026-11-23"
# What a spreadsheet reads as a formula, written out here rather than taken from the writer under test.
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def live(cell: str) -> bool:
    return cell.startswith(STARTS) or cell.lstrip(" \u00a0\u3000\u200b").startswith(STARTS)


# -- the writer ----------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("text", PAYLOADS + VARIANTS)
def test_csv_prefixes_every_formula_start(text):
    assert is_formula_like(text)
    assert neutralise(text) == "'" + text
    assert read_csv(csv_text([["x", text, 1]])) == [["x", "'" + text, "1"]]


@pytest.mark.parametrize("text", ["Nước sinh hoạt bị đục", "a=b", "x-1", "2026-10", "'=1 đã có dấu nháy", "",
                                  "  ", "Đề nghị:\n- sửa đường\n=1", "(=1)", "#REF!"])
def test_harmless_text_is_written_as_typed(text):
    assert not is_formula_like(text)
    assert read_csv(csv_text([[text]])) == [[text]]


def test_numbers_dates_and_none_stay_typed_in_csv():
    hcm = ZoneInfo("Asia/Ho_Chi_Minh")
    line = csv_text([[-5, 0, 2.5, -0.5, Decimal("-1.25"), None, date(2026, 10, 1),
                      datetime(2026, 10, 1, 9, 30, tzinfo=hcm), "-5", "-0.5"]])
    assert line == "\ufeff-5,0,2.5,-0.5,-1.25,,2026-10-01,2026-10-01T09:30:00+07:00,'-5,'-0.5\r\n"


def test_csv_writer_streams_with_one_bom_and_crlf():
    out = CsvWriter()
    out.row(["Mã", "Ghi chú"])
    first = out.take()
    out.rows([["TVH-1", "=1+1"], ["TVH-2", "dòng 1\r\ndòng 2"]])
    second = out.take()
    assert first == "\ufeffMã,Ghi chú\r\n"
    assert second == "TVH-1,'=1+1\r\nTVH-2,\"dòng 1\r\ndòng 2\"\r\n"
    assert out.take() == ""


def sheet_xml_formulas(raw: bytes) -> list[str]:
    found = []
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += [name for el in ET.fromstring(z.read(name)).iter() if el.tag.rsplit("}", 1)[-1] == "f"]
    return found


def test_xlsx_cells_are_text_or_typed_never_formulas():
    wb = Workbook()
    ws = wb.active
    assert ws.cell(20, 1, "=1+1").data_type == "f"  # what openpyxl does with a bare str
    ws.cell(20, 1).value = None
    texts = PAYLOADS + VARIANTS + ("#REF!", "Nước đục")
    for row, text in enumerate(texts, start=1):
        put_cell(ws, row, 1, text)
    values = (-5, 2.5, Decimal("-1.25"), None, date(2026, 10, 1),
              datetime(2026, 10, 1, 2, 30, tzinfo=ZoneInfo("UTC")), True)
    for row, value in enumerate(values, start=1):
        put_cell(ws, row, 2, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    raw = buffer.getvalue()
    assert sheet_xml_formulas(raw) == []
    back = load_workbook(io.BytesIO(raw)).active
    for row, text in enumerate(texts, start=1):
        cell = back.cell(row, 1)
        assert cell.data_type == "s", text
        expected = text.replace("\x01", "\ufffd").replace("\r", "\n")  # XML has no \x01; it reads CR as LF
        assert cell.value == expected, text
        assert cell.quotePrefix == (text not in ("#REF!", "Nước đục")), text
    got = [back.cell(row, 2).value for row in range(1, len(values) + 1)]
    assert got == [-5, 2.5, -1.25, None, datetime(2026, 10, 1), datetime(2026, 10, 1, 9, 30), True]
    assert [back.cell(row, 2).data_type for row in (1, 2, 3)] == ["n", "n", "n"]


def test_no_other_module_writes_csv_or_cells():
    """A new export written beside the writer would bypass the rule: there is none."""
    root = Path(__file__).resolve().parents[1]
    direct = re.compile(r"csv\.(writer|DictWriter)\(|\.cell\([^()]*,[^()]*,|\b\w+\[[\"'][A-Z]+\d+[\"']\]\s*=[^=]")
    hits = [f"{p.relative_to(root)}:{n}" for layer in ("engine", "web", "notifications")
            for p in (root / layer).rglob("*.py") if p.name != "tabular.py"
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if direct.search(line)]
    assert hits == []


# -- every export, downloaded ------------------------------------------------------------


@pytest.fixture
def hostile(world, service):
    levels = {code: (level, parent or None)
              for code, _, level, parent in csv.reader(io.StringIO(UNITS.split("\n", 1)[1])) if code}
    with service.uow() as uow:
        directory.import_units(uow.session, [directory.UnitRow(code, name, *levels[code])
                                             for code, name in UNIT_NAMES.items()])
        uow.commit()
    codes = []
    for text in PAYLOADS:
        case = world.new_case("off_a", "A1", content=text, citizen_name=text, citizen_phone=PHONE)
        service.fire(world["off_a"], case.code, "answer_on_site", {"answer": text})
        service.remark(world["aud_p"], case.code, text)
        codes.append(case.code)
    return codes


def typed(text: str) -> str:
    """The payload as the case service keeps it (it trims what people type)."""
    return text.strip()


def safe_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8")[1:], newline="")))
    assert [c for row in rows for c in row if live(c)] == []
    return rows


def assert_history(raw: bytes, texts: tuple[str, ...], *, note: int, seq: int, name: int | None = None,
                   answer_label: str | None = None) -> None:
    """The remark is a note cell of its own, the answer sits inside the event's data (in
    words where the export is for a person: "Nội dung trả lời: …"), the citizen's name and
    phone in their columns — masked, as every export is (engine.disclosure), and the
    initials of a formula are neutralised too."""
    rows = safe_rows(raw)
    body = rows[1:]
    for text in texts:
        assert any(row[note] == "'" + typed(text) for row in body), text
        answer = ('"answer": ' + json.dumps(typed(text), ensure_ascii=False) if answer_label is None
                  else f"{answer_label}: {typed(text)}")  # for a person: labels, no JSON
        assert any(answer in cell for row in body for cell in row), text
        if name is not None:
            initials = mask_name(typed(text))
            assert any(row[name] == neutralise(initials) and row[name + 1] == mask_phone(PHONE) for row in body), text
    seqs = [row[seq] for row in body if row[seq]]
    assert seqs and all(s.isdigit() for s in seqs)


def assert_report_csv(raw: bytes, units: tuple[str, ...]) -> None:
    rows = safe_rows(raw)
    names = {row[2] for row in rows[1:]}
    for code in units:
        assert "'" + UNIT_NAMES[code] in names, code
    received = [row[3] for row in rows[1:]]
    assert all(re.fullmatch(r"\d+", v) for v in received) and "7" in received


def assert_report_xlsx(raw: bytes, units: tuple[str, ...], top: str) -> None:
    assert sheet_xml_formulas(raw) == []
    wb = load_workbook(io.BytesIO(raw))
    assert [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"] == []
    summary = wb["Tổng hợp"]
    assert summary["A1"].value == UNIT_NAMES[top].upper().replace("\r", "\n") and summary["A1"].quotePrefix
    by_text = {summary.cell(r, 2).value: summary.cell(r, 3).value for r in range(1, summary.max_row + 1)}
    assert by_text["Tổng số ý kiến, kiến nghị tiếp nhận"] == 7
    sheet = wb["Theo đơn vị"]
    lines = list(sheet.iter_rows(min_row=2))
    # The table ends with its total row; the rule of timeliness is written under it.
    end = next(i for i, row in enumerate(lines) if row[1].value == "Tổng cộng")
    rows = {row[1].value: row for row in lines[:end + 1]}
    for code in units:
        cell = rows[UNIT_NAMES[code].replace("\r", "\n")][1]
        assert cell.data_type == "s" and cell.quotePrefix, code
    assert all(isinstance(row[3].value, int) for row in rows.values())


def test_case_history_page_csv(hostile, browser):
    for who in ("lead_a", "off_a", "aud_p"):
        page = browser(who)
        for code, text in zip(hostile, PAYLOADS):
            r = page.get(f"/cases/{code}/history.csv")
            assert r.status_code == 200, (who, r.text)
            assert_history(r.content, (text,), note=8, seq=1, answer_label="Trả lời")


def test_audit_exports_on_the_pages(hostile, browser):
    for who, name in (("aud_p", None), ("lead_a", 7)):
        page = browser(who)
        for code, text in zip(hostile, PAYLOADS):
            r = page.get(f"/audit/cases/{code}/export.csv")
            assert r.status_code == 200, r.text
            assert_history(r.content, (text,), note=16, seq=10, name=name, answer_label="Nội dung trả lời")
        r = page.get(f"/audit/units/export.csv?unit=A&start={DAY}&end={DAY}")
        assert r.status_code == 200, r.text
        assert_history(r.content, PAYLOADS, note=16, seq=10, name=name, answer_label="Nội dung trả lời")
    # The auditor's masked name of "=HYPERLINK(...)" is "=." — neutralised too (column 8: the
    # channel joined the case's columns when the export was put in words).
    rows = safe_rows(browser("aud_p").get(f"/audit/cases/{hostile[0]}/export.csv").content)
    assert {row[7] for row in rows[1:]} == {"'=."}


def test_reports_on_the_pages(hostile, browser):
    page = browser("aud_p")
    for unit, names in (("P", ("A", "B", "P-SO")), ("A", ("A1", "A2", "A-KT", "A-MT"))):
        query = f"start={DAY}&end={DAY}&unit={unit}"
        r = page.get(f"/reports/export.csv?{query}")
        assert r.status_code == 200, r.text
        assert_report_csv(r.content, names)
        r = page.get(f"/reports/export.xlsx?{query}")
        assert r.status_code == 200, r.text
        assert_report_xlsx(r.content, names, unit)


def test_the_api_exports(hostile, api, as_user):
    base = f"/api/v1/reports/summary?from={DAY}&to={DAY}&unit=A"
    r = api.get(base + "&format=csv", headers=as_user("lead_a"))
    assert r.status_code == 200, r.text
    assert_report_csv(r.content, ("A1", "A2", "A-KT", "A-MT"))
    r = api.get(base + "&format=xlsx", headers=as_user("lead_a"))
    assert r.status_code == 200, r.text
    assert_report_xlsx(r.content, ("A1", "A2", "A-KT", "A-MT"), "A")
    for who, name in (("aud_p", None), ("lead_a", 7)):
        r = api.get(f"/api/v1/audit/cases/{hostile[1]}/history?format=csv", headers=as_user(who))
        assert r.status_code == 200, r.text
        assert_history(r.content, PAYLOADS[1:2], note=16, seq=10, name=name, answer_label="Nội dung trả lời")
        r = api.get(f"/api/v1/audit/units/A/history?from={DAY}&to={DAY}&format=csv", headers=as_user(who))
        assert r.status_code == 200, r.text
        assert_history(r.content, PAYLOADS, note=16, seq=10, name=name, answer_label="Nội dung trả lời")


def test_the_command_line_exports(hostile, run, tmp_path):
    target = tmp_path / "bao-cao.csv"
    out = run("report", "--from", DAY, "--to", DAY, "--unit", "P", "--format", "csv", "-o", str(target))
    assert out.exit_code == 0, out.output
    assert_report_csv(target.read_bytes(), ("A", "B", "P-SO"))
    book = tmp_path / "bao-cao.xlsx"
    out = run("report", "--from", DAY, "--to", DAY, "--unit", "A", "--format", "xlsx", "-o", str(book))
    assert out.exit_code == 0, out.output
    assert_report_xlsx(book.read_bytes(), ("A1", "A2", "A-KT", "A-MT"), "A")
    history = tmp_path / "lich-su.csv"
    out = run("audit", "export", "--unit", "A", "--from", DAY, "--to", DAY, "--format", "csv", "-o", str(history),
              "--as", "lead_a")
    assert out.exit_code == 0, out.output
    assert_history(history.read_bytes(), PAYLOADS, note=16, seq=10, name=7, answer_label="Nội dung trả lời")
