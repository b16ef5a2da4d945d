"""Public tracking by code: no sign-in, no personal data, rate-limited."""

from __future__ import annotations

from datetime import timedelta

from .browser.web import browser, csrf_of, web_app, web_container  # noqa: F401


def lookup(page, code: str):
    return page.post("/track", {"code": code}, token_from="/track")


def test_tracking_shows_state_and_dates_and_nothing_personal(browser, world, service, sessions):
    case = world.new_case(content="Hộ bà Thạch Thị Sương ở ấp A1 thiếu nước", citizen_name="Thạch Thị Sương",
                          citizen_phone="0987 654 321", citizen_address="Số 12, ấp A1")
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Xã sẽ khoan giếng trong tháng 12.",
                                                               "note": "Cán bộ Lê Văn Ghi gặp trực tiếp"})
    service.remark(world["aud_p"], case.code, "Giám sát viên Trần Thị Xét đã kiểm tra", kind="confirm")
    page = browser()
    r = lookup(page, case.code)
    assert r.status_code == 200
    html = r.text
    # The answer is given to the person who asked: it needs the receipt's PIN (issue 16),
    # tests/test_citizen_tracking.py reads it with one.
    assert case.code in html and "Đã trả lời tại chỗ" in html and "Xã sẽ khoan giếng trong tháng 12." not in html
    assert "23/11/2026" in html and "Điện nước hạ tầng" in html and "Ấp A1" in html
    for secret in ("Thạch Thị Sương", "0987 654 321", "Số 12", "thiếu nước", "off_a", "aud_p", "Lê Văn Ghi",
                   "Trần Thị Xét", "Nguyễn", "citizen_sha256"):
        assert secret not in html, secret


def test_codes_are_forgiving_but_unknown_and_malformed_look_the_same(browser, world):
    case = world.new_case()
    page = browser()
    prefix, year, body = case.code.split("-")
    typed = f" {prefix.lower()}-{year}-{body.lower().replace('0', 'o').replace('1', 'l')} "  # misread on paper
    assert case.code in lookup(page, typed).text
    answers = [lookup(page, code) for code in (f"{prefix}-{year}-0000000", "xyz", "", "<script>", "A" * 500)]
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1
    assert "Không tìm thấy ý kiến với mã này." in answers[0].text and "<script>" not in answers[1].text


def test_tracking_is_rate_limited_per_address(browser, world, clock, sessions):
    case = world.new_case()
    page = browser()
    token = page.token("/track")
    for i in range(30):
        assert page.post("/track", {"code": f"X-2026-{i:07d}"}, csrf=token).status_code == 404
    r = page.post("/track", {"code": case.code}, csrf=token)
    assert r.status_code == 429 and "Bạn đã tra cứu quá nhiều lần" in r.text and case.code not in r.text.split(
        "</form>")[-1]
    clock.advance(timedelta(minutes=10, seconds=1))
    assert page.post("/track", {"code": case.code}, csrf=token).status_code == 200


def test_tracking_needs_no_sign_in_and_works_in_english(browser, world):
    case = world.new_case()
    page = browser()
    assert page.get("/tra-cuu").status_code == 200
    page.post("/lang", {"lang": "en", "next": "/track"}, token_from="/track")
    r = page.post("/tra-cuu", {"code": case.code}, token_from="/track")
    assert r.status_code == 200 and "Received" in r.text and "This page shows no personal data" in r.text
    assert csrf_of(r.text)
