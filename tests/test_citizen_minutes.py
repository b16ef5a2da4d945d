"""The minutes (biên bản) of a meeting: programme, date, place, hosts, the officials
who took part, attendees, every opinion with its on-site answer or where it was sent
and the appointment, signature blocks; a denunciation without its author; 300
opinions render."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf

from engine.services.meetings import NewMeeting, Opinion, Participant

from .browser.web import browser, web_app, web_container  # noqa: F401
from .printed_support import pdf_text


def _meeting(container, world, clock, opinions):
    return container.meetings.record(world["off_a"], NewMeeting(
        programme="nghe-dan-noi", held_on="2026-11-23", unit="A1", place="Nhà văn hóa ấp A1",
        hosts="Bí thư Đảng ủy xã A", attendees=57, opinions=opinions,
        participants=[Participant(name="Trần Văn Phó"), Participant(name="Lê Thị Thư Ký")])).meeting


def test_the_minutes_pdf_holds_the_whole_record_and_hides_the_denouncer(browser, world, container, clock):
    appointment = (clock.now() + timedelta(days=7)).isoformat()
    recorded = _meeting(container, world, clock, [
        Opinion(topic="giao_thong", content="Đường liên ấp sạt lở", citizen_name="Thạch Văn Đường",
                outcome="answer_on_site", answer="Xã đã bố trí kinh phí sửa trong tháng 12"),
        Opinion(topic="dat_dai", content="Tranh chấp ranh đất", citizen_name="Kim Thị Đất", outcome="escalate",
                target_unit="A-KT", reason="Cần đo đạc", appointment=appointment),
        Opinion(topic="an_ninh_trat_tu", kind="to_cao", content="Tố cáo việc thu tiền trái phép", citizen_name="Người Tố Cáo",
                citizen_phone="0911222333"),
    ])
    r = browser("off_a").get(f"/meetings/{recorded.id}/minutes.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(r.content).split())
    for expected in ("BIÊN BẢN", "Nghe dân nói – Làm dân tin", "23/11/2026", "Nhà văn hóa ấp A1",
                     "Bí thư Đảng ủy xã A", "Trần Văn Phó", "Lê Thị Thư Ký", "57", "Đường liên ấp sạt lở",
                     "Xã đã bố trí kinh phí sửa trong tháng 12", "Phòng Kinh tế xã A", "Cần đo đạc",
                     "30/11/2026", "Tố cáo việc thu tiền trái phép", "(giữ bí mật)", "THƯ KÝ", "ĐẠI DIỆN MTTQ",
                     "CHỦ TRÌ", *recorded.cases):
        assert expected in text, expected
    # A file that leaves the application: names masked at most, the denouncer not at all.
    assert "T.V.Đ." in text and "Thạch Văn Đường" not in text
    assert "Người Tố Cáo" not in text and "N.T.C." not in text and "333" not in text
    html = browser("off_a").get(f"/meetings/{recorded.id}/minutes.html")
    assert html.status_code == 200 and 'href="/static/print.css"' in html.text


def test_minutes_are_for_those_who_see_the_meeting(browser, world, container, clock):
    recorded = _meeting(container, world, clock, [Opinion(topic="giao_thong", content="Đường hỏng")])
    assert browser("off_b").get(f"/meetings/{recorded.id}/minutes.pdf").status_code == 404
    assert browser("off_a").get("/meetings/999999/minutes.pdf").status_code == 404
    assert browser().get(f"/meetings/{recorded.id}/minutes.pdf").status_code == 303  # sign in first


def test_a_meeting_with_300_opinions_renders(browser, world, container, clock, service):
    from engine.services.cases import NewCase

    def content(i: int) -> str:
        return f"Ý kiến số {i + 1}: nước thải kênh ấp A1 gây ô nhiễm"

    # A form takes 100 opinions at a time (engine.services.intake); the notebook's rest
    # is typed in afterwards, attached to the same meeting.
    recorded = _meeting(container, world, clock, [Opinion(topic="moi_truong", content=content(i)) for i in range(100)])
    more = service.create_many(world["off_a"], [
        NewCase(workflow="nghe-dan-noi", unit="A1", topic="moi_truong", kind="kien_nghi", content=content(i),
                meeting_id=recorded.id) for i in range(100, 300)])
    codes = [*recorded.cases, *(c.code for c in more)]
    r = browser("off_a").get(f"/meetings/{recorded.id}/minutes.pdf")
    assert r.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    text = pdf_text(r.content)
    assert len(codes) == 300 and len(reader.pages) > 5 and all(code in text for code in codes)
    assert "Ý kiến số 300:" in text and "CHỦ TRÌ" in reader.pages[-1].extract_text().upper()
