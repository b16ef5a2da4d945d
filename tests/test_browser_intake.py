"""The meeting intake in Chromium, at 1366 px and on a 360 px phone: ten typed rows
survive a session that expires before they are saved (signing in again brings
them all back, and they are saved once), and the error summary's link moves the
focus to the field it names."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine.models import Case, Meeting

from .browser import journeys
from .browser.journeys import Problems, context, fits_the_screen, site  # noqa: F401
from .world import PASSWORD


def sign_in(page: Any, site: str, username: str = "off_a") -> None:
    journeys.sign_in(page, site, username)


def active_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_ten_rows_survive_an_expired_session_and_are_saved_once(site, context, clock, sessions):
    page = context.new_page()
    problems = Problems(page)
    sign_in(page, site)
    page.goto(f"{site}/meetings/new")
    page.get_by_role("button", name="Thêm 5 dòng").click()
    page.wait_for_selector("#r9-content")
    page.select_option("#unit", "A")
    page.fill("#place", "Nhà văn hóa ấp A1")
    for i in range(10):
        page.select_option(f"#r{i}-topic", "giao_thong" if i % 2 else "dien_nuoc")
        page.select_option(f"#r{i}-village", "A1" if i % 2 else "A2")
        page.fill(f"#r{i}-content", f"Ý kiến thứ {i + 1}: cống thoát nước bị nghẹt")
        page.fill(f"#r{i}-name", f"Người dân {i + 1}")
    clock.advance(timedelta(hours=13))  # the session dies while the form is open
    page.get_by_role("button", name="Lưu tất cả ý kiến").click()
    page.wait_for_selector("text=Phiên đăng nhập đã hết hạn trước khi lưu")
    assert "10 ý kiến bạn đã nhập vẫn được giữ nguyên" in page.inner_text("main")
    assert fits_the_screen(page)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    page.fill("#username", "off_a")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập lại và giữ các ý kiến").click()
    page.wait_for_selector("text=Đã giữ lại mọi ý kiến bạn đã nhập")
    for i in range(10):
        assert page.input_value(f"#r{i}-content") == f"Ý kiến thứ {i + 1}: cống thoát nước bị nghẹt"
        assert page.input_value(f"#r{i}-name") == f"Người dân {i + 1}"
        assert page.input_value(f"#r{i}-village") == ("A1" if i % 2 else "A2")
    assert page.input_value("#place") == "Nhà văn hóa ấp A1" and page.input_value("#unit") == "A"
    # What the browser would send again (back, then "resubmit"): kept across the navigation.
    page.evaluate("""() => sessionStorage.setItem('sent', JSON.stringify(
        [...new FormData(document.querySelector('form.intake'))].filter(([, v]) => typeof v === 'string')))""")
    page.get_by_role("button", name="Lưu tất cả ý kiến").click()
    page.wait_for_url(re.compile(r".*/meetings/\d+\?saved=10$"))
    saved_at = page.url.split("?")[0]
    again = page.evaluate("""async () => {
        const body = new FormData();
        for (const [k, v] of JSON.parse(sessionStorage.getItem('sent'))) body.append(k, v);
        const r = await fetch('/meetings/new', {method: 'POST', body});
        return r.url;
    }""")
    assert again == f"{saved_at}?replayed=1"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 10
        assert s.scalar(select(func.count()).select_from(Meeting)) == 1
    assert fits_the_screen(page)
    assert problems.seen == []


def test_the_error_summary_link_focuses_its_row(site, context, sessions):
    page = context.new_page()
    problems = Problems(page)
    sign_in(page, site)
    page.goto(f"{site}/meetings/new")
    page.select_option("#unit", "A")
    page.fill("#r0-content", "Đèn đường hỏng")  # no topic
    page.select_option("#r2-topic", "khac")
    page.fill("#r2-content", "Gọi lại cho tôi")
    page.fill("#r2-phone", "không có số")
    page.get_by_role("button", name="Lưu tất cả ý kiến").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
    links = summary.locator("a")
    assert links.count() == 2
    links.nth(1).click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'r2-phone'")
    links.nth(0).click()
    assert active_id(page) == "r0-topic"
    assert page.locator("#r0-topic").get_attribute("aria-invalid") == "true"
    assert page.locator("#r0-topic").is_visible()
    assert fits_the_screen(page)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    assert problems.seen == []
