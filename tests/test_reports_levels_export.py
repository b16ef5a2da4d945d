"""The report's "Đúng hạn theo cấp xử lý" section (engine.reports.levels) in its CSV
and its workbook, read back: the commune's stage missed, the province's met, each
counted at its own level, labelled in both languages; a village's report (no level of
its own) has no such line nor sheet."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from engine.actors import SYSTEM
from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_csv, report_xlsx

from .test_casework import local

LEVEL_TABLE = "Đúng hạn theo cấp xử lý"


def _reports(world, service, clock):
    """One opinion passed on late by commune A, answered in time by the province's
    department, and one passed on by A in time after an extension."""
    clock.set(local(2026, 10, 5))
    late = world.new_case(unit="A1", handling_unit="A")
    extended = world.new_case(unit="A1", handling_unit="A")
    service.extend(world["lead_a"], extended.code, 5, "Chờ ý kiến Sở")
    due = service.get(world["off_a"], late.code).due_at
    clock.set(due + timedelta(hours=1))
    for c in (late, extended):
        service.fire(world["off_a"], c.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    clock.set(clock.now() + timedelta(days=1))
    service.fire(world["off_so"], late.code, "answer", {"answer": "Sở đã trả lời"})
    clock.set(local(2026, 11, 20))
    out = {}
    with service.uow(write=False) as uow:
        for unit in ("A", "P", "A1"):
            out[unit] = build_report(uow.session, SYSTEM, ReportRequest(Period(date(2026, 10, 1), date(2026, 10, 31)),
                                                                        unit), now=clock.now())
    return out


def _csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"))))
    return rows[0], rows[1:]


def test_the_level_section_is_a_labelled_line_of_the_csv(world, service, clock):
    reps = _reports(world, service, clock)
    commune = reps["A"].at_level
    assert (commune.late, commune.extended, commune.on_time) == (1, 1, 0)
    header, rows = _csv(report_csv(reps["A"]))
    level = [dict(zip(header, r)) for r in rows if r[0] == LEVEL_TABLE]
    assert len(level) == 1 and all(len(r) == len(header) for r in rows)
    line = level[0]
    assert (line["Mã"], line["Tên"]) == ("A", reps["A"].unit_name)
    assert (line["Giải quyết đúng hạn – cuối kỳ"], line["Đúng hạn sau gia hạn – cuối kỳ"],
            line["Trễ hạn – cuối kỳ"]) == ("0", "1", "1")
    assert line["Số ý kiến tiếp nhận"] == "2"  # the opinions of the period it judges
    # Nothing else is said on that line: it is not a cohort's row.
    others = {h for h in header[3:]} - {"Giải quyết đúng hạn – cuối kỳ", "Đúng hạn sau gia hạn – cuối kỳ",
                                         "Trễ hạn – cuối kỳ", "Số ý kiến tiếp nhận"}
    assert all(line[h] == "" for h in others)
    # The province's own stage (the department's answer) was in time.
    header, rows = _csv(report_csv(reps["P"], "en"))
    line = next(dict(zip(header, r)) for r in rows if r[0] == "Timeliness at the handling level")
    assert (line["Code"], line["Resolved on time – at the period end"], line["Late – at the period end"]) == (
        "P", "1", "0")
    # A village is no level of its own.
    assert reps["A1"].at_level is None
    assert all(r[0] != LEVEL_TABLE for r in _csv(report_csv(reps["A1"]))[1])


def test_the_level_section_is_a_sheet_of_the_workbook(world, service, clock):
    reps = _reports(world, service, clock)
    wb = load_workbook(io.BytesIO(report_xlsx(reps["A"])))
    assert LEVEL_TABLE in wb.sheetnames and wb.sheetnames[-1] == "Giải thích"
    sheet = wb[LEVEL_TABLE]
    assert sheet.cell(1, 1).value == f"{LEVEL_TABLE}: các bước do {reps['A'].unit_name} đảm nhận"
    figures = {sheet.cell(r, 2).value: sheet.cell(r, 3).value for r in range(4, 7)}
    assert figures == {"Đúng hạn": 0, "Đúng hạn sau gia hạn": 1, "Trễ hạn tại cấp này": 1}
    assert all(isinstance(v, int) for v in figures.values())  # numbers stay numbers
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Chỉ tính các bước xử lý có thời hạn do chính cấp này") for t in texts)
    p = load_workbook(io.BytesIO(report_xlsx(reps["P"])))[LEVEL_TABLE]
    assert {p.cell(r, 2).value: p.cell(r, 3).value for r in range(4, 7)} == {
        "Đúng hạn": 1, "Đúng hạn sau gia hạn": 0, "Trễ hạn tại cấp này": 0}
    assert LEVEL_TABLE not in load_workbook(io.BytesIO(report_xlsx(reps["A1"]))).sheetnames
