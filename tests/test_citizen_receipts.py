"""Receipts (phiếu tiếp nhận): printed from the case page and for a whole meeting, as
a PDF whose text carries the code and PIN and whose QR code decodes to the tracking
page; each issue replaces the PIN and is recorded in the chain without it."""

from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from engine.audit import verify_case
from engine.models import Case, CaseEvent, ReceiptPin
from engine.services.receipts import pin_matches

from .browser.web import browser, web_app, web_container  # noqa: F401
from .printed_support import pdf_text, pins_of, qr_texts


def _receipt(page, code: str, fmt: str = "pdf", token_from: str | None = None):
    return page.post(f"/cases/{code}/receipt", {"format": fmt}, token_from=token_from or f"/cases/{code}")


def test_a_receipt_pdf_reads_back_and_its_qr_code_opens_the_tracking_page(browser, world, sessions):
    case = world.new_case(content="Đường liên ấp A1 bị sạt lở, đề nghị sửa chữa", citizen_name="Thạch Thị Sương")
    page = browser("off_a")
    r = _receipt(page, case.code)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    text = pdf_text(r.content)
    assert case.code in text and "PHIẾU TIẾP NHẬN" in text.upper() and "Đường liên ấp A1 bị sạt lở" in text
    assert "Thạch Thị Sương" not in text  # the opinion, not the person
    (pin,) = pins_of(text)
    assert qr_texts(r.content) == [f"http://testserver/tra-cuu/{case.code}"]
    with sessions() as s:
        assert pin_matches(s, case.code, pin) and not pin_matches(s, case.code, f"{(int(pin) + 1) % 10**6:06d}")
        stored = s.scalar(select(ReceiptPin.pin_hash))
        events = list(s.scalars(select(CaseEvent).join(Case).where(Case.code == case.code).order_by(CaseEvent.seq)))
    assert pin not in stored and stored.startswith("scrypt$")
    assert events[-1].trigger == "issue_receipt" and events[-1].actor == "off_a"
    from engine.models import OutboxMessage
    from notifications.recipients import recipients_for
    with sessions() as s:
        notice = s.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key.endswith(f":event:{events[-1].seq}")))
        assert notice is not None and recipients_for(s, notice) == set()  # recorded, told to nobody
    assert pin not in repr([(e.note, e.data) for e in events])
    # The scanned address is the tracking page, bookmarkable, no sign-in.
    assert browser().get(f"/tra-cuu/{case.code}").status_code == 200


def test_reissuing_a_receipt_invalidates_the_old_pin(browser, world, sessions):
    case = world.new_case()
    page = browser("off_a")
    first = pins_of(pdf_text(_receipt(page, case.code).content))[0]
    html = _receipt(page, case.code, "html").text  # the print view carries the new PIN
    assert 'href="/static/print.css"' in html
    second = re.search(r'class="pin">(\d{6})<', html).group(1)
    with sessions() as s:
        assert pin_matches(s, case.code, second)
        assert first == second or not pin_matches(s, case.code, first)
        assert len(s.scalars(select(ReceiptPin)).all()) == 1
        assert s.scalars(select(CaseEvent.trigger).where(CaseEvent.trigger == "issue_receipt")).all() == [
            "issue_receipt"] * 2
        assert verify_case(s, s.scalar(select(Case))) is None  # the chain still verifies


def test_only_staff_of_the_case_units_print_receipts(browser, world, sessions):
    case = world.new_case()
    for who, status in (("off_b", 404), ("aud_p", 403)):
        assert _receipt(browser(who), case.code, token_from="/").status_code == status, who
    with sessions() as s:
        assert s.scalar(select(ReceiptPin.case_id)) is None


def test_a_whole_meetings_receipts_several_per_page_each_qr_its_own_code(browser, world, container):
    recorded = record_meeting(container, world, n=5)
    page = browser("off_a")
    r = page.post(f"/meetings/{recorded.id}/receipts", {"format": "pdf"}, token_from=f"/meetings/{recorded.id}")
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert all(code in text for code in recorded.cases) and len(pins_of(text)) == 5
    assert len(pypdf.PdfReader(io.BytesIO(r.content)).pages) == 2  # 3 per A4 page, cut lines between
    assert sorted(qr_texts(r.content, 0)) == sorted(f"http://testserver/tra-cuu/{c}" for c in recorded.cases[:3])


def record_meeting(container, world, n: int):
    from engine.services.meetings import NewMeeting, Opinion

    opinions = [Opinion(topic="giao_thong", kind="kien_nghi", content=f"Ý kiến số {i + 1} về đường ấp A1")
                for i in range(n)]
    return container.meetings.record(world["off_a"], NewMeeting(programme="nghe-dan-noi", held_on="2026-11-23", unit="A1",
                                                      place="Nhà văn hóa ấp A1", hosts="Bí thư xã A",
                                                      attendees=40, opinions=opinions)).meeting


def test_the_qr_code_holds_the_deployments_address_when_one_is_set(browser, world, web_container):
    from notifications import NotifySettings

    web_container.notify_settings = NotifySettings(base_url="https://nghedan.example.vn")
    case = world.new_case()
    r = _receipt(browser("off_a"), case.code)
    assert qr_texts(r.content) == [f"https://nghedan.example.vn/tra-cuu/{case.code}"]


def test_the_case_and_meeting_pages_offer_printing_to_those_who_may(browser, world, container):
    case = world.new_case()
    official = browser("off_a").get(f"/cases/{case.code}").text
    assert f'action="/cases/{case.code}/receipt"' in official
    auditor = browser("aud_p").get(f"/cases/{case.code}").text
    assert f'action="/cases/{case.code}/receipt"' not in auditor
    recorded = record_meeting(container, world, n=1)
    meeting = browser("off_a").get(f"/meetings/{recorded.id}").text
    assert f'action="/meetings/{recorded.id}/receipts"' in meeting and f"/meetings/{recorded.id}/minutes.pdf" in meeting
    # The Front reads the minutes too, but prints no receipt (no PIN to hand out).
    front = browser("aud_p").get(f"/meetings/{recorded.id}").text
    assert f"/meetings/{recorded.id}/minutes.pdf" in front and "/receipts" not in front


def test_a_receipt_printed_late_does_not_hide_an_overdue_case_from_the_report(world, service, clock):
    from datetime import timedelta

    from engine.actors import SYSTEM
    from engine.calendar import LOCAL_TZ
    from engine.reports import Period, ReportRequest, build_report
    from engine.services.receipts import issue_receipts

    case = world.new_case()
    clock.advance(timedelta(days=20))  # past the 10 working days of "received"
    issue_receipts(service, world["off_a"], [case.code])  # an event without a deadline in its data
    day = clock.now().astimezone(LOCAL_TZ).date()
    with service.uow(write=False) as uow:
        report = build_report(uow.session, SYSTEM, ReportRequest(Period(day.replace(day=1) - timedelta(days=40),
                                                                        day)), now=clock.now())
    assert report.totals.received == 1 and report.totals.still_overdue == 1
