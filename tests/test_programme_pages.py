"""The reception register as a page, a PDF (its text read back) and an XLSX (its
cells), and a dialogue's conclusion as announced to the people: public, with the
commitments and their deadlines and no citizen's data."""

from __future__ import annotations

import io
from datetime import datetime

import pypdf
import pytest
from openpyxl import load_workbook

from engine.services import directory
from engine.services.dialogues import Commitment, NewDialogue
from engine.services.receptions import NewReception, Petition

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401
from .browser.web import browser, client, web_app, web_container  # noqa: F401
from .conftest import HCM

COLUMNS_VI = ["STT", "Ngày tiếp", "Họ tên, địa chỉ người đến", "Nội dung vụ việc", "Phân loại đơn, vụ việc",
              "Người tiếp", "Hướng xử lý", "Theo dõi kết quả giải quyết", "Mã theo dõi"]


@pytest.fixture
def entered(web_container):
    p = web_container.programmes
    with web_container.sessions() as s:
        actor = directory.actor_for(s, "lead_a")
    _, codes = p.receptions.record(actor, NewReception(
        unit="A", held_on="2026-11-23", occasion="regular", capacity="chair", receiver_name="Chủ tịch Lê Văn Chủ",
        petitions=[
            Petition(kind="kien_nghi", topic="giao_thong", content="Sửa cầu khỉ ấp A1",
                     citizen_name="Nguyễn Văn Dân", citizen_phone="0901234567", citizen_address="Ấp A1",
                     route="accept"),
            Petition(kind="to_cao", topic="khac", content="Tố cáo việc thu tiền sai", citizen_name="Người Tố Cáo",
                     route="accept_denunciation"),
            Petition(kind="phan_anh", topic="moi_truong", content="=HYPERLINK(\"x\")", route="guide",
                     data={"reason": "Hướng dẫn gửi Sở"}),
        ]))
    meeting_id, _ = p.dialogues.record(actor, NewDialogue(unit="A", held_on="2026-11-16", chair="Bí thư",
                                                          front_representative="Chủ tịch MTTQ xã"))
    public = p.dialogues.conclude(actor, meeting_id, "Kết luận đối thoại tháng 11", "Tiếp thu ý kiến của nhân dân.",
                                  [Commitment("Nạo vét kênh nội đồng", datetime(2027, 1, 29, 17, tzinfo=HCM))])
    return codes, public


def test_the_register_page_lists_every_petition_in_the_forms_columns(browser, entered):
    codes, _ = entered
    html = browser("lead_a").get("/programmes/register?unit=A&start=2026-11-01&end=2026-11-30").text
    for heading in COLUMNS_VI:
        assert f">{heading}<" in html
    assert "Nguyễn Văn Dân, Ấp A1" in html and "Chủ tịch Lê Văn Chủ (định kỳ)" in html
    assert "Tiếp nhận, thụ lý" in html and "Hướng dẫn" in html and all(c in html for c in codes)
    # lead_a leads the unit handling the denunciation: the page may show its author.
    assert "Người Tố Cáo" in html
    # An official of the commune may not.
    assert "Người Tố Cáo" not in browser("off_a").get("/programmes/register?unit=A&start=2026-11-01").text
    assert browser("off_b").get("/programmes/register?unit=A").status_code == 404


def test_the_register_pdf_reads_back_with_masked_contacts(browser, entered):
    codes, _ = entered
    r = browser("lead_a").get("/programmes/register.pdf?unit=A&start=2026-11-01&end=2026-11-30")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    raw = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    # Cells wrap: compare with the line breaks read as spaces, codes with none at all.
    text, flat = " ".join(raw.split()), "".join(raw.split())
    assert "SỔ TIẾP CÔNG DÂN" in text and "Sửa cầu khỉ ấp A1" in text and all(c in flat for c in codes)
    # A file leaves the application: initials only, and never a denouncer.
    assert "N.V.D." in text and "Nguyễn Văn Dân" not in text and "Người Tố Cáo" not in text
    assert "(giữ bí mật)" in text


def test_the_register_xlsx_has_the_forms_cells(browser, entered):
    codes, _ = entered
    r = browser("lead_a").get("/programmes/register.xlsx?unit=A&start=2026-11-01&end=2026-11-30")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[4]] == COLUMNS_VI
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert [r[0] for r in rows] == [1, 2, 3] and [r[8] for r in rows] == codes
    assert rows[0][1] == datetime(2026, 11, 23) and rows[0][2] == "N.V.D., ***"
    assert rows[1][2] == "(giữ bí mật)" and rows[1][6] == "Tiếp nhận, thụ lý"
    formula = ws.cell(7, 4)
    assert formula.data_type == "s" and formula.quotePrefix  # the tabular rule, not a formula
    assert browser("lead_a").get("/programmes/register.docx?unit=A").status_code == 404


def test_the_conclusion_is_public_and_names_nobody(client, entered):
    _, public = entered
    html = client.get(f"/conclusions/{public}").text
    assert "Kết luận đối thoại tháng 11" in html and "Nạo vét kênh nội đồng" in html and "29/01/2027" in html
    assert "Đang thực hiện cam kết" in html and "Xã A" in html
    assert client.get("/conclusions/unknown-code").status_code == 404


def test_the_figures_page_and_api_count_what_was_entered(browser, entered, web_container):
    html = browser("lead_a").get("/programmes?unit=A&start=2026-11-01&end=2026-11-30").text
    # Entered above: one reception day with three petitions, one dialogue in A (of the two communes under P).
    assert "Tiếp công dân: 1 ngày tiếp, 3 đơn" in html
    assert "Đối thoại: 1/1 đơn vị đã tổ chức" in html  # scope A: itself is the only commune
    assert browser("off_b").get("/programmes?unit=A").status_code == 404


def test_the_programmes_report_api(api, as_user, api_container):
    with api_container.sessions() as s:
        lead = directory.actor_for(s, "lead_a")
    api_container.programmes.dialogues.record(lead, NewDialogue(unit="A", held_on="2026-11-16", chair="Bí thư",
                                                                front_representative="MTTQ"))
    r = api.get("/api/v1/reports/programmes", params={"from": "2026-11-01", "to": "2026-11-30", "unit": "P"},
                headers=as_user("aud_p"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["dialogues"]["held"], body["dialogues"]["total"]) == (1, 2)
    assert body["dialogues"]["per_unit"] == {"A": 1, "B": 0}
    assert body["teams"]["success_rate"] is None and body["receptions"]["days"] == 0
    assert api.get("/api/v1/reports/programmes", params={"from": "2026-11-01", "to": "2026-11-30", "unit": "A"},
                   headers=as_user("off_b")).status_code == 404
    bad = api.get("/api/v1/reports/programmes", params={"from": "2026-11-30", "to": "2026-11-01"},
                  headers=as_user("aud_p"))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
