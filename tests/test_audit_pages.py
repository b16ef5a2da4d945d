"""The audit the Front reads (issue 15, item 9): labels and local dates instead of codes,
people and units by name, the chain's verdict in words, seals made and checked in the
page (a malformed or mismatched value is not an accusation; a changed history is), the
Front's remark kinds for the Front only, and exports with headers in the reader's
language."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text, update

from engine.deadline_rules import sweep
from engine.errors import RoleNotAllowed
from engine.models import CaseEvent, DailySeal, User
from engine.reports.history_labels import HistoryLabels
from engine.seals import compute_seal

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, client, web_app, web_container  # noqa: F401
from .conftest import HCM

# Codes that must never reach a person on these pages and in the CSV/Excel exports.
CODES = ("answered_on_site", "escalated", "received", "auto_escalate", "answer_on_site", "kien_nghi", "to_cao",
         "dien_nuoc", "nghe-dan-noi", "system", "withheld", "masked")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def local(y: int, m: int, d: int, h: int = 17, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=HCM)


@pytest.fixture
def scene(world, service, sessions):
    """A case answered on the spot by a named official, one moved up by the system
    after its deadline passed, and a denunciation."""
    with sessions() as s, s.begin():
        s.execute(update(User).where(User.username == "off_a").values(full_name="Nguyễn Văn Cán"))
        s.execute(update(User).where(User.username == "aud_p").values(full_name="Trần Thị Xét"))
    answered = world.new_case("off_a", "A1")
    service.fire(world["off_a"], answered.code, "answer_on_site", {"answer": "Đã hướng dẫn lọc nước"})
    late = world.new_case("off_a", "A1", content="Đèn đường hỏng")
    sweep(service, local(2026, 12, 31))
    denunciation = world.new_case("off_a", "A1", kind="to_cao", topic="an_ninh_trat_tu", content="Tố cáo thu tiền sai",
                                  citizen_name="Lê Văn Tố", citizen_phone="0911222333")
    return {"answered": answered.code, "late": late.code, "to_cao": denunciation.code}


def visible(html: str) -> str:
    """The page's text as a person reads it (tags, attributes and the hashes' details left out)."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<details[^>]*>\s*<summary>.*?</details>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_case_history_speaks_words_to_the_front(scene, browser, service, world):
    assert "auto_escalate" in [e.trigger for e in service.history(world["lead_a"], scene["late"])]
    page = browser("aud_p")
    late = page.get(f"/audit/cases/{scene['late']}")
    assert late.status_code == 200
    words = visible(late.text)
    assert "Hệ thống tự động chuyển cấp" in words and "Hệ thống" in words
    assert "Ấp A1" in words and "Xã A" in words  # units by name, not "A1 → A"
    assert "Đã chuyển xử lý" in words  # the state's label from the workflow YAML
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", words)
    answered = visible(page.get(f"/audit/cases/{scene['answered']}").text)
    assert "Nguyễn Văn Cán (Xã A)" in answered and "Đã trả lời tại chỗ" in answered
    for words in (words, answered):
        assert not ISO.search(words)
        for code in CODES:
            assert not re.search(rf"\b{re.escape(code)}\b", words), code
    assert "✓ Toàn vẹn" in answered and "64 ký tự" not in answered and "chuỗi băm" not in answered.lower()
    # The hashes stay, for experts, in a details element.
    head = service.history(world["lead_a"], scene["answered"])[-1].hash
    html = page.get(f"/audit/cases/{scene['answered']}").text
    assert re.search(r'<details class="hashes">\s*<summary>Mã băm[^<]*</summary>\s*<p>[^<]*<span class="hash">' + head,
                     html)


def test_a_leader_reads_the_audit_but_an_official_does_not(scene, browser):
    leader = browser("lead_a")
    assert leader.get(f"/audit/cases/{scene['answered']}").status_code == 200
    assert browser("lead_b").get(f"/audit/cases/{scene['answered']}").status_code == 404  # another commune's
    assert browser("off_a").get("/audit").status_code == 403
    assert browser("off_a").get(f"/audit/cases/{scene['answered']}").status_code == 403


def test_an_edited_event_is_named_by_its_number(scene, browser, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE seq = 2 AND case_id = "
                          "(SELECT id FROM cases WHERE code = :c)"), {"c": scene["answered"]})
    page = browser("aud_p")
    assert "✗ Bị sửa tại sự kiện #2" in page.get(f"/audit/cases/{scene['answered']}").text
    unit = page.get("/audit/units?unit=A&start=2026-11-01&end=2026-11-30")
    assert unit.status_code == 200 and "Bị sửa tại sự kiện #2" in unit.text and "Xã A" in unit.text
    assert "Đã trả lời tại chỗ" in unit.text and ">answered_on_site<" not in unit.text


# -- seals ---------------------------------------------------------------------------

def seal_rows(sessions) -> list[DailySeal]:
    with sessions() as s:
        return list(s.scalars(select(DailySeal)))


def test_the_front_makes_a_seal_in_the_page_and_a_replay_changes_nothing(scene, browser, sessions):
    page = browser("aud_p")
    home = page.get("/audit")
    assert 'action="/audit/seals"' in home.text and 'value="2026-11-22"' in home.text  # yesterday by default
    made = page.post("/audit/seals", {"day": "2026-11-22"}, token_from="/audit")
    assert made.status_code == 303 and made.headers["location"] == "/audit?sealed=2026-11-22"
    [row] = seal_rows(sessions)
    assert (row.day, row.created_by) == (date(2026, 11, 22), "aud_p")
    with sessions() as s:
        code = compute_seal(s, date(2026, 11, 22)).short_code
    shown = page.get(made.headers["location"])
    assert f"Niêm phong ngày 22/11/2026: {code}" in shown.text and "Trần Thị Xét (Tỉnh P)" in shown.text
    again = page.post("/audit/seals", {"day": "2026-11-22"}, token_from="/audit")
    assert again.status_code == 303 and len(seal_rows(sessions)) == 1


@pytest.mark.parametrize("day", ["2026-11-23", "2026-12-01", "mai", "2026-02-30", "<b>x</b>", "2" * 5000, ""])
def test_a_seal_for_a_day_not_ended_or_not_a_day_is_refused(scene, browser, sessions, day):
    r = browser("aud_p").post("/audit/seals", {"day": day}, token_from="/audit")
    assert r.status_code == 400 and "alert-error" in r.text and "<b>x</b>" not in r.text
    assert seal_rows(sessions) == []


def test_who_may_seal_is_the_engines_rule(scene, browser, sessions):
    leader = browser("lead_a")
    assert 'action="/audit/seals"' not in leader.get("/audit").text  # the page only asks
    refused = leader.post("/audit/seals", {"day": "2026-11-22"}, token_from="/audit")
    assert refused.status_code == 403 and "Chỉ Mặt trận (giám sát) và quản trị viên được niêm phong." in refused.text
    assert browser("off_a").post("/audit/seals", {"day": "2026-11-22"}, token_from="/track").status_code == 403
    forged = browser("aud_p").post("/audit/seals", {"day": "2026-11-22"}, csrf="not-the-token", token_from=None)
    assert forged.status_code in (400, 403)
    assert seal_rows(sessions) == []
    assert browser("admin").post("/audit/seals", {"day": "2026-11-22"}, token_from="/audit").status_code == 303


@pytest.mark.parametrize("value", ["rubbish", "ABCD-EFGH", "ABCD-EFGH-IJKL-MNO1", "ABCD\u202eEFGH-IJKL-MNOP",
                                   "=HYPERLINK(1)", "A" * 5000])
def test_a_malformed_seal_value_says_so_and_accuses_nobody(scene, browser, value):
    r = browser("aud_p").get("/audit", params={"day": "2026-11-22", "value": value})
    assert r.status_code == 400 and "Mã niêm phong không đúng định dạng" in r.text
    assert "bị sửa" not in r.text.lower()


def test_a_wellformed_value_of_another_day_does_not_match_and_a_changed_history_is_named(scene, browser, sessions,
                                                                                         engine, clock):
    clock.set(local(2026, 11, 25, 9))  # the scene's cases were received on 23/11
    page = browser("aud_p")
    page.post("/audit/seals", {"day": "2026-11-23"}, token_from="/audit")
    with sessions() as s:
        kept = compute_seal(s, date(2026, 11, 23)).short_code
    ok = page.get("/audit", params={"day": "2026-11-23", "value": kept.lower().replace("-", " ")})
    assert ok.status_code == 200 and "Khớp: lịch sử đến hết ngày 23/11/2026 không bị thay đổi" in ok.text
    typo = kept[:-1] + ("A" if kept[-1] != "A" else "B")
    wrong = page.get("/audit", params={"day": "2026-11-23", "value": typo})
    assert "Mã niêm phong không khớp với ngày 23/11/2026" in wrong.text and "bị sửa" not in wrong.text.lower()
    # The same value on a day it was not made for: not a match, not an accusation.
    other = page.get("/audit", params={"day": "2026-11-22", "value": kept})
    assert "Mã niêm phong không khớp với ngày 22/11/2026" in other.text
    # Someone edits an event of that day in the database: the recorded seal no longer
    # comes out, and that — only that — is reported as a change.
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE id = (SELECT min(id) FROM case_events)"))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.note == "sửa lén")) == 1
    for value in (kept, typo):
        changed = page.get("/audit", params={"day": "2026-11-23", "value": value})
        assert "Lịch sử đã bị sửa sau khi niêm phong ngày 23/11/2026" in changed.text


def test_the_api_answers_the_same_verdicts(scene, browser, api, as_user, sessions, engine, clock):
    clock.set(local(2026, 11, 25, 9))
    browser("aud_p").post("/audit/seals", {"day": "2026-11-23"}, token_from="/audit")
    with sessions() as s:
        kept = compute_seal(s, date(2026, 11, 23)).short_code
    check = api.get(f"/api/v1/audit/seals/2026-11-23/verification?value={kept}", headers=as_user("aud_p")).json()
    assert (check["ok"], check["verdict"]) == (True, "match")
    typo = kept[:-1] + ("A" if kept[-1] != "A" else "B")
    check = api.get(f"/api/v1/audit/seals/2026-11-23/verification?value={typo}", headers=as_user("aud_p")).json()
    assert check["verdict"] == "mismatch"
    bad = api.get("/api/v1/audit/seals/2026-11-23/verification?value=rubbish", headers=as_user("aud_p"))
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "không đúng định dạng" in bad.text
    r = api.get(f"/api/v1/audit/cases/{scene['answered']}/verification", headers=as_user("aud_p")).json()
    assert (r["state"], r["state_label"], r["unit_name"], r["verdict"]) == (
        "answered_on_site", "Đã trả lời tại chỗ", "Ấp A1", "Toàn vẹn")
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE id = (SELECT min(id) FROM case_events)"))
    check = api.get(f"/api/v1/audit/seals/2026-11-23/verification?value={kept}", headers=as_user("aud_p")).json()
    assert check["verdict"] == "altered"


# -- remarks -------------------------------------------------------------------------

def test_only_the_front_urges_or_confirms(scene, browser, service, world, api, as_user, sessions):
    code = scene["late"]
    official = browser("off_a")
    html = official.get(f"/cases/{code}").text
    assert 'value="urge"' not in html and 'value="confirm"' not in html and "Ghi nhận xét vào lịch sử" in html
    assert "Ý kiến giám sát – Xác nhận" in browser("aud_p").get(f"/cases/{code}").text
    before = len(service.history(world["lead_a"], code))
    for who in ("off_a", "lead_a"):
        page = browser(who)
        shown = page.get(f"/cases/{code}").text
        version = re.search(r'name="version" value="(\d+)"', shown).group(1)
        for kind in ("confirm", "urge"):
            r = page.post(f"/cases/{code}/remark", {"kind": kind, "note": "Tự xác nhận", "version": version},
                          token_from=f"/cases/{code}")
            assert r.status_code == 403, (who, kind, r.status_code)
            assert "Giám sát (MTTQ)" in r.text and "auditor" not in visible(r.text)
        api_r = api.post(f"/api/v1/cases/{code}/remarks", json={"kind": "confirm", "note": "Tự xác nhận"},
                         headers={**as_user(who), "Idempotency-Key": f"k-{who}"})
        assert api_r.status_code == 403 and api_r.headers["content-type"] == "application/problem+json"
        with pytest.raises(RoleNotAllowed):
            service.remark(world[who], code, "Tự xác nhận", kind="urge")
    assert len(service.history(world["lead_a"], code)) == before  # nothing written
    # A plain remark stays open to whoever sees the case; the Front confirms.
    service.remark(world["off_a"], code, "Đã gọi cho người dân")
    service.remark(world["aud_p"], code, "Đã kiểm tra tại chỗ", kind="confirm")
    assert [e.trigger for e in service.history(world["lead_a"], code)][-2:] == ["remark", "confirm"]


# -- exports -------------------------------------------------------------------------

def csv_rows(blob: bytes) -> list[list[str]]:
    assert blob.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(blob.decode("utf-8").lstrip("\ufeff"))))


def test_history_exports_speak_the_readers_language(scene, browser):
    page = browser("aud_p")
    rows = csv_rows(page.get(f"/audit/cases/{scene['late']}/export.csv").content)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Mã ý kiến", "Loại", "Lĩnh vực"] and header[-1] == "Kiểm tra toàn vẹn"
    by = {h: [r[i] for r in body] for i, h in enumerate(header)}
    assert set(by["Loại"]) == {"Kiến nghị"} and set(by["Đơn vị tiếp nhận"]) == {"Ấp A1"}
    assert "Hệ thống tự động chuyển cấp" in by["Thao tác"] and "Hệ thống" in by["Người thực hiện"]
    assert "Đã chuyển xử lý" in by["Sang trạng thái"] and set(by["Kiểm tra toàn vẹn"]) == {"Toàn vẹn"}
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", t) for t in by["Thời điểm"])
    flat = "\n".join(",".join(r[:-3] + r[-1:]) for r in rows)  # the two hash columns are hex, not codes
    for code in CODES:
        assert not re.search(rf"\b{re.escape(code)}\b", flat), code
    # A denunciation's kind is named, its author is not.
    unit = page.get("/audit/units/export.csv?unit=A&start=2026-11-01&end=2026-12-31").content.decode("utf-8")
    assert "Tố cáo" in unit and "to_cao" not in unit and "Lê Văn Tố" not in unit and "0911222333" not in unit
    book = load_workbook(io.BytesIO(page.get(f"/audit/cases/{scene['late']}/export.xlsx").content))
    ws = book.active
    assert [c.value for c in ws[1]] == header
    assert any(c.value == "Hệ thống tự động chuyển cấp" for row in ws.iter_rows(min_row=2) for c in row)
    # In English for an English reader; the JSON keeps the machine fields.
    page.post("/lang", {"lang": "en", "next": "/audit"}, token_from="/audit")
    english = csv_rows(page.get(f"/audit/cases/{scene['late']}/export.csv").content)
    assert english[0][:3] == ["Case code", "Kind", "Topic"] and "Moved up automatically by the system" in sum(english, [])
    data = page.get(f"/audit/cases/{scene['late']}/export.json").json()
    assert "auto_escalate" in [e["trigger"] for e in data["cases"][0]["events"]]
    assert "Altered" not in page.get(f"/audit/cases/{scene['late']}").text
    assert "Intact" in page.get(f"/audit/cases/{scene['late']}").text


def test_labels_never_fall_back_to_a_code(sessions, workflows):
    with sessions() as s:
        en = HistoryLabels(s, "en", workflows)
        vi = HistoryLabels(s, "vi", workflows)
        assert vi.action("nghe-dan-noi", "auto_escalate") == "Hệ thống tự động chuyển cấp"
        assert vi.action("nghe-dan-noi", "no_such_trigger") == "Thao tác khác"
        assert vi.state("nghe-dan-noi", "no_such_state") != "no_such_state"
        assert vi.state("no-such-workflow", "received") != "received"
        assert vi.kind("to_cao") == "Tố cáo" and en.kind("to_cao") == "Denunciation"
        assert vi.person("system") == "Hệ thống" and vi.person("citizen").startswith("Người dân")
        assert vi.person("nobody-here") == "Tài khoản không còn"
        assert vi.verdict({"ok": False, "seq": None}).startswith("Bị sửa")
        assert vi.details({"target_unit": "NO-SUCH", "citizen_digest": "ab" * 32}) == "Chuyển đến đơn vị: NO-SUCH"


def test_a_deadline_at_midnight_reads_as_24_00_of_its_day(sessions, workflows):
    with sessions() as s:
        vi = HistoryLabels(s, "vi", workflows)
        assert vi.details({"due_at": "2026-11-13T00:00:00+07:00"}) == "Hạn xử lý: 12/11/2026 24:00"
        assert vi.details({"due_at": "2026-11-13T10:00:00+00:00"}) == "Hạn xử lý: 13/11/2026 17:00"
        assert vi.details({"appointment": "2026-11-13T00:00:00+07:00"}) == "Hẹn trả lời lúc: 13/11/2026 00:00"
