"""End to end in Chromium, against a real uvicorn server over the demo data.

The walk of the issue: each demo role signs in; an official records a meeting
with three opinions (one answered on the spot, one escalated, one kept), opens a
case and escalates it through its form; after time travel a leader sees them on
the overdue board, has a refused action explained, verifies and resolves; the
Front's auditor reads without action buttons and adds a remark; a citizen tracks
a code without seeing anyone's personal data; the admin opens the admin page.
Screenshots of the board and of a case page, on a 360 px phone and a desktop, go
to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from web.app import create_app
from web.container import Container
from web.demo import DEMO_PASSWORD, load_demo

from .browser import journeys
from .browser.journeys import Problems, fits_the_screen
from .browser.live import ARTIFACTS, chromium, chromium_or_skip, live_server

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def demo(container: Container) -> Container:
    chromium_or_skip()
    load_demo(container)
    return container


@pytest.fixture
def site(demo: Container) -> Iterator[str]:
    with live_server(create_app(container=demo)) as url:
        yield url


@pytest.fixture
def context(tmp_path: Path, site: str) -> Iterator[Any]:
    with chromium(tmp_path / "profile", **PHONE) as ctx:
        ctx.set_default_timeout(15_000)
        yield ctx


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    return ARTIFACTS


def sign_in(page: Any, site: str, username: str) -> None:
    journeys.sign_in(page, site, username, DEMO_PASSWORD)
    assert page.locator("h1").inner_text() == "Việc cần làm"


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r".*/login\?bye=1$"))



def open_action(page: Any, label: str) -> None:
    summary = page.locator("details.action > summary", has_text=label)
    summary.click()


def test_the_whole_walk_in_chromium(site, context, demo, clock, shots):
    page = context.new_page()
    problems = Problems(page)

    # -- an official, on a phone -------------------------------------------------
    sign_in(page, site, "canbo")
    assert page.locator("#h-overdue").is_visible()
    board_rows = page.locator("section[aria-labelledby=h-overdue] tbody tr")
    assert board_rows.count() > 0
    assert re.search(r"quá \d+ ngày", board_rows.first.inner_text())
    cell = board_rows.first.locator("td").first
    assert cell.evaluate("e => getComputedStyle(e).display") == "grid"  # rows become labelled cards on a phone
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"Mã ý kiến"'
    assert page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(163, 22, 26)"
    assert fits_the_screen(page)
    page.screenshot(path=str(shots / "board-phone.png"), full_page=True)

    # Intake: the meeting once, then three opinions.
    page.get_by_role("link", name="Nhập buổi tiếp xúc").click()
    page.select_option("#unit", "TAMNGAI")
    page.fill("#place", "Nhà văn hóa ấp Ngãi Lợi A")
    page.fill("#hosts", "Chủ tịch UBND xã")
    page.fill("#attendees", "64")
    page.select_option("#r0-topic", "dien_nuoc")
    page.fill("#r0-content", "Nước sinh hoạt bị đục ở xóm cuối ấp")
    page.fill("#r0-name", "Thạch Văn Bé")
    page.fill("#r0-phone", "0909 111 222")
    page.select_option("#r0-village", "TAMNGAI-A")
    page.select_option("#r0-outcome", "answer_on_site")
    page.fill("#r0-answer", "Đã hướng dẫn xử lý phèn, xã cấp bộ lọc trong tuần.")
    page.select_option("#r1-topic", "giao_thong")
    page.fill("#r1-content", "Cầu khỉ qua rạch cần thay bằng cầu bê tông")
    page.select_option("#r1-outcome", "escalate")
    page.select_option("#r1-target", "TAMNGAI-KT")
    page.select_option("#r2-topic", "an_ninh_trat_tu")
    page.fill("#r2-content", "Trộm gà ban đêm ở ấp Sóc Ruộng")
    page.select_option("#r2-village", "TAMNGAI-SR")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Lưu tất cả ý kiến").click()
    page.wait_for_url(re.compile(r".*/meetings/\d+\?saved=3$"))
    assert "Đã lưu 3 ý kiến của buổi tiếp xúc." in page.locator("main").inner_text()
    codes = page.locator("a.code").all_inner_texts()
    assert len(codes) == 3
    by_content = {demo.cases.get(_system(), c).content: c for c in codes}
    answered = by_content["Nước sinh hoạt bị đục ở xóm cuối ấp"]
    escalated = by_content["Cầu khỉ qua rạch cần thay bằng cầu bê tông"]
    kept = by_content["Trộm gà ban đêm ở ấp Sóc Ruộng"]
    assert demo.cases.get(_system(), answered).state == "answered_on_site"
    assert demo.cases.get(_system(), escalated).state == "escalated"

    # A case page, and escalating the kept opinion through its form.
    page.goto(f"{site}/cases/{kept}")
    assert "Đã tiếp nhận" in page.locator(".status-line").inner_text()
    assert page.locator("details.action > summary").count() >= 2
    page.screenshot(path=str(shots / "case-phone.png"), full_page=True)
    open_action(page, "Chuyển xử lý")
    page.select_option("#f-escalate-target_unit", "TAMNGAI-CA")
    page.fill("#f-escalate-reason", "Thuộc thẩm quyền công an xã")
    page.get_by_role("button", name="Thực hiện: Chuyển xử lý").click()
    page.wait_for_url(re.compile(r".*\?done=escalate$"))
    assert "Đã thực hiện: Chuyển xử lý." in page.locator("main").inner_text()
    assert "Công an xã Tam Ngãi" in page.locator(".facts").first.inner_text()
    assert "Thuộc thẩm quyền công an xã" in page.locator(".timeline").inner_text()
    assert fits_the_screen(page)
    sign_out(page)

    # -- twelve working days later, a leader --------------------------------------
    clock.advance(timedelta(days=20))
    sign_in(page, site, "lanhdao")
    overdue = page.locator("section[aria-labelledby=h-overdue]").inner_text()
    assert escalated in overdue and kept in overdue
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots / "board-desktop.png"), full_page=True)

    # A refused action is explained next to its form, the input kept.
    page.goto(f"{site}/cases/{answered}")
    open_action(page, "Gộp vào ý kiến trùng")
    page.fill("#f-merge-duplicate_of", "TVH-2026-0000000")
    page.fill("#f-merge-note", "thử gộp")
    page.get_by_role("button", name="Thực hiện: Gộp vào ý kiến trùng").click()
    error = page.locator("details[open] .error")
    assert "không tìm thấy ý kiến gốc" in error.inner_text()
    assert page.input_value("#f-merge-duplicate_of") == "TVH-2026-0000000"
    assert page.input_value("#f-merge-note") == "thử gộp"

    # Verify the on-the-spot answer, then close the dossier.
    page.goto(f"{site}/cases/{answered}")
    open_action(page, "Kiểm tra kết quả")
    page.check("#f-verify-satisfaction-satisfied")
    page.fill("#f-verify-note", "Đã gọi điện cho người dân, dân hài lòng.")
    page.get_by_role("button", name="Thực hiện: Kiểm tra kết quả").click()
    page.wait_for_url(re.compile(r".*\?done=verify$"))
    open_action(page, "Kết thúc hồ sơ")
    page.get_by_role("button", name="Thực hiện: Kết thúc hồ sơ").click()
    page.wait_for_url(re.compile(r".*\?done=resolve$"))
    assert "Đã giải quyết xong" in page.locator(".status-line").inner_text()
    page.screenshot(path=str(shots / "case-desktop.png"), full_page=True)
    sign_out(page)

    # -- the Front's auditor: reads, remarks, never acts --------------------------
    page.set_viewport_size(PHONE)
    sign_in(page, site, "giamsat")
    page.goto(f"{site}/cases/{escalated}")
    assert page.get_by_role("button", name=re.compile("^Thực hiện")).count() == 0
    assert "vai trò giám sát" in page.locator("main").inner_text()
    page.select_option("#remark-kind", "urge")
    page.fill("#remark-note", "Đề nghị Phòng Kinh tế trả lời trước ngày 20.")
    page.get_by_role("button", name="Ghi vào lịch sử").click()
    page.wait_for_url(re.compile(r".*\?done=remark$"))
    assert "Đề nghị Phòng Kinh tế trả lời trước ngày 20." in page.locator(".timeline").inner_text()
    assert demo.cases.get(_system(), escalated).state == "escalated"
    sign_out(page)

    # -- a citizen, without signing in --------------------------------------------
    page.goto(f"{site}/tra-cuu")
    page.fill("#code", answered.lower())
    page.get_by_role("button", name="Tra cứu").click()
    result = page.locator("main").inner_text()
    # The answer is the citizen's, with the receipt's PIN (issue 16; tests/test_browser_citizen.py).
    assert "Đã giải quyết xong" in result and "Mã PIN" in result
    for personal in ("Đã hướng dẫn xử lý phèn", "Thạch Văn Bé", "0909 111 222", "Nước sinh hoạt bị đục", "canbo", "lanhdao",
                     "Nguyễn Văn Cán", "Trần Thị Lãnh", "Đã gọi điện cho người dân"):
        assert personal not in result, personal
    assert fits_the_screen(page)
    page.screenshot(path=str(shots / "track-phone.png"), full_page=True)

    # -- the admin ----------------------------------------------------------------
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Quản trị").click()
    assert page.locator("h1").inner_text() == "Quản trị"
    page.get_by_role("button", name="EN").click()
    assert page.locator("h1").inner_text() == "Administration"

    assert problems.seen == []
    page.close()


def test_without_javascript_the_forms_still_work(site, tmp_path, demo):
    # axe-core still checks these pages: evaluating through the DevTools protocol
    # works with the pages' own scripts turned off.
    with chromium(tmp_path / "nojs", java_script_enabled=False, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{site}/login")
        page.fill("#username", "lanhdao")
        page.fill("#password", DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{site}/")
        page.goto(f"{site}/cases?q=nuoc+sinh+hoat")
        assert "Nước sinh hoạt ở ấp Ngãi Lợi A" in page.locator("main").inner_text()
        page.locator("a.code").first.click()
        page.locator("details.action > summary", has_text="Công dân rút ý kiến").click()
        page.fill("#f-withdraw-reason", "Người dân rút lại")
        page.get_by_role("button", name="Thực hiện: Công dân rút ý kiến").click()
        page.wait_for_url(re.compile(r".*\?done=withdraw$"))
        assert "Đã rút" in page.locator(".status-line").inner_text()


def _system() -> Any:
    from engine.actors import SYSTEM

    return SYSTEM
