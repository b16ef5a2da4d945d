"""Consent where people give and withdraw it: the meeting form (per opinion), the API
(case and meeting create: problem+json naming the field), and the public tracking
page's withdrawal (the code and the phone's last four digits, rate-limited, the same
answer whatever matched)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import Case, CitizenConsent

from .api_support import api, api_app, api_container, as_user, tokens  # noqa: F401
from .browser.web import browser, web_app, web_container  # noqa: F401
from .citizen_support import opinion_with_consent
from .test_web_intake import intake_form, meeting


def _consents(sessions) -> list[tuple[str, str | None, str | None, str]]:
    with sessions() as session:
        return [(c.action, c.channel, c.address, c.recorded_by) for c in
                session.scalars(select(CitizenConsent).order_by(CitizenConsent.id))]


def test_the_meeting_form_records_consent_per_opinion(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    assert 'name="r0_consent"' in page.get("/meetings/new").text
    rows = [{"topic": "dien_nuoc", "content": "Nước đục", "village": "A1", "outcome": "record",
             "consent": "sms", "consent_address": "0912 345 678"},
            {"topic": "giao_thong", "content": "Đường hư", "village": "A2", "outcome": "record"}]
    r = page.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"])
    assert r.status_code == 303, r.text[-2000:]
    assert _consents(sessions) == [("given", "sms", "0912345678", "off_a")]


def test_the_meeting_form_refuses_a_bad_address_next_to_its_field_and_saves_nothing(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    rows = [{"topic": "dien_nuoc", "content": "Nước đục", "village": "A1", "outcome": "record",
             "consent": "zalo", "consent_address": "không có"},
            {"topic": "an_ninh_trat_tu", "kind": "to_cao", "content": "Tố cáo", "village": "A1", "outcome": "record",
             "consent": "sms", "consent_address": "0912345678"}]
    r = page.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"])
    assert r.status_code == 400
    assert "không phải số di động Việt Nam" in r.text and 'id="r0-consent-address-err"' in r.text
    assert "chỉ gửi tin khi chính người tố cáo yêu cầu" in r.text and 'id="r1-consent-author-err"' in r.text
    with sessions() as session:
        assert session.scalars(select(Case)).all() == [] and _consents(sessions) == []


def test_the_api_takes_consent_and_refuses_bad_input_by_field(api, as_user, sessions):
    body = {"unit": "A1", "topic": "dien_nuoc", "content": "Nước đục",
            "consent": {"channel": "email", "address": "dan@example.vn"}}
    r = api.post("/api/v1/cases", json=body, headers=as_user("off_a"))
    assert r.status_code == 201, r.text
    assert "dan@example.vn" not in r.text  # the address is not read back
    assert _consents(sessions) == [("given", "email", "dan@example.vn", "off_a")]
    bad = api.post("/api/v1/cases", json={**body, "consent": {"channel": "email", "address": "dan"}},
                   headers=as_user("off_a"))
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "consent_address" in bad.text
    odd = api.post("/api/v1/cases", json={**body, "consent": {"channel": "fax", "address": "x"}},
                   headers=as_user("off_a"))
    assert odd.status_code == 422 and odd.headers["content-type"] == "application/problem+json"
    with sessions() as session:
        assert len(session.scalars(select(Case)).all()) == 1
    meeting_body = {"held_on": "2026-11-23", "unit": "A", "opinions": [
        {"topic": "y_te", "content": "Thiếu thuốc", "consent": {"channel": "zalo", "address": "0987654321"}}]}
    m = api.post("/api/v1/meetings", json=meeting_body, headers=as_user("off_a"))
    assert m.status_code == 201, m.text
    assert _consents(sessions)[-1] == ("given", "zalo", "0987654321", "off_a")


def _withdraw(page, code: str, proof: str):  # type: ignore[no-untyped-def]
    return page.post("/tra-cuu/rut-dong-y", {"code": code, "proof": proof}, token_from="/tra-cuu")


def test_withdrawal_from_the_tracking_page(browser, web_container, world, sessions):
    code = opinion_with_consent(web_container, world, "sms", "0912345678")
    page = browser()
    assert "/tra-cuu/rut-dong-y" in page.get("/tra-cuu").text
    wrong = _withdraw(page, code, "0000")
    unknown = _withdraw(page, "TVH-2026-0000000", "5678")
    assert wrong.status_code == unknown.status_code == 200 and wrong.text == unknown.text  # says nothing
    assert _consents(sessions)[-1][0] == "given"
    right = _withdraw(page, code.lower(), "5678")
    assert right.status_code == 200 and "Đã ghi nhận" in right.text
    assert _consents(sessions)[-1] == ("withdrawn", None, None, "citizen")


def test_withdrawal_is_rate_limited_with_lookups(browser, web_container, world, sessions, clock):
    code = opinion_with_consent(web_container, world, "sms", "0912345678")
    page = browser()
    token = page.token("/tra-cuu")
    for i in range(30):
        page.post("/tra-cuu/rut-dong-y", {"code": code, "proof": f"{i:04d}"}, csrf=token)
    r = page.post("/tra-cuu/rut-dong-y", {"code": code, "proof": "5678"}, csrf=token)
    assert r.status_code == 429 and _consents(sessions)[-1][0] == "given"
    clock.advance(timedelta(minutes=10, seconds=1))
    assert page.post("/tra-cuu/rut-dong-y", {"code": code, "proof": "5678"}, csrf=token).status_code == 200
    assert _consents(sessions)[-1][0] == "withdrawn"


def test_an_official_records_a_withdrawal_from_the_case_page(browser, web_container, world, sessions):
    code = opinion_with_consent(web_container, world, "sms", "0912345678")
    auditor = browser("aud_p")
    html = auditor.get(f"/cases/{code}").text
    assert "SMS" in html and "0912345678" not in html and "345678" not in html  # the channel, never the address
    refused = auditor.post(f"/cases/{code}/consent/withdraw", {}, token_from=f"/cases/{code}")
    assert refused.status_code == 403 and _consents(sessions)[-1][0] == "given"
    outsider = browser("off_b")
    assert outsider.post(f"/cases/{code}/consent/withdraw", {}, token_from="/").status_code == 404
    page = browser("off_a")
    r = page.post(f"/cases/{code}/consent/withdraw", {}, token_from=f"/cases/{code}")
    assert r.status_code == 303 and r.headers["location"].endswith("?done=consent")
    assert _consents(sessions)[-1] == ("withdrawn", None, None, "off_a")
    assert "không gửi thêm tin nhắn" in page.get(r.headers["location"]).text
