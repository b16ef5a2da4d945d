"""The export of a case list (engine.list_export through engine.tabular): the list's
own filters and order, labels not codes, the citizen masked at most and a
denouncer never, formulas neutralised, CSV and Excel alike."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from engine.disclosure import mask_name, mask_phone

from .browser.web import browser, web_app, web_container  # noqa: F401


def _csv(page, params):
    r = page.get("/cases/export.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(r.text[1:])))


def test_the_export_is_the_filtered_list_with_labels_and_masked_citizens(browser, world, service):
    water = world.new_case(content="Nước sinh hoạt bị đục", citizen_name="Nguyễn Văn Dân", citizen_phone="0901234567")
    road = world.new_case(topic="giao_thong", content="=HYPERLINK(\"http://x\")", citizen_name="Lê Hoa")
    den = world.new_case(kind="to_cao", content="Tố cáo thu tiền", citizen_name="Trần Tố Giác",
                         citizen_phone="0912888999")
    other = world.new_case("off_b", "B1", content="Nước sinh hoạt xã B")
    service.fire(world["off_a"], road.code, "withdraw", {"reason": "rút"})
    for role in ("off_a", "lead_a", "aud_p"):
        rows = _csv(browser(role), {"sort": "new"})
        header, body = rows[0], rows[1:]
        assert header[0] == "Mã ý kiến" and "Người dân (đã che)" in header
        by_code = {r[0]: r for r in body}
        # Commune B's is in the province auditor's scope only.
        assert set(by_code) == {water.code, road.code, den.code} | ({other.code} if role == "aud_p" else set()), role
        w = by_code[water.code]
        assert "Kiến nghị" in w and "Điện nước hạ tầng" in w and "Đã tiếp nhận" in w and "Ấp A1" in w
        assert w[-1] == f"{mask_name('Nguyễn Văn Dân')}, {mask_phone('0901234567')}"
        assert by_code[den.code][-1] == "(được bảo vệ)" and "Trần" not in "".join(by_code[den.code])
        assert by_code[road.code][12].startswith("'=")  # a formula is text
        assert "kien_nghi" not in str(rows) and "received" not in str(rows) and "to_cao" not in str(rows)
    only_water = _csv(browser("off_a"), {"q": "nuoc sinh hoat"})
    assert [r[0] for r in only_water[1:]] == [water.code]
    assert [r[0] for r in _csv(browser("off_a"), {"state": "withdrawn"})[1:]] == [road.code]


def test_the_excel_export_has_the_same_rows(browser, world):
    a = world.new_case(content="@SUM(1+1)", citizen_name="Nguyễn Văn Dân", citizen_phone="0901234567")
    r = browser("off_a").get("/cases/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Mã ý kiến" and rows[1][0] == a.code
    cell = ws.cell(2, 13)
    assert cell.value == "@SUM(1+1)" and cell.data_type == "s" and cell.quotePrefix
    assert rows[1][-1] == f"{mask_name('Nguyễn Văn Dân')}, {mask_phone('0901234567')}"
    english = browser("off_a")
    english.post("/lang", {"lang": "en", "next": "/"}, token_from="/")
    header = list(load_workbook(io.BytesIO(english.get("/cases/export.xlsx").content)).active.iter_rows(
        values_only=True))[0]
    assert header[0] == "Case code" and "Citizen (masked)" in header
