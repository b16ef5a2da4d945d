"""Administration, the menu and error pages in Chromium, at 1366 px and 360 px:
importing units through the preview, deactivating a user whose open session (a
second cookie jar: the same server under another host name) ends on its next
click, the menu of each role, and an unknown page answered as a page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.models import Unit, User

from .browser.journeys import context, site  # noqa: F401
from .test_error_pages import MENUS as PAGE_MENUS
from .world import PASSWORD


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def fits(page: Any) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def test_units_are_imported_through_a_preview_then_confirmed(context, site, sessions):
    page = context.new_page()
    sign_in(page, site, "admin")
    page.click("nav.main-nav >> text=Quản trị")
    page.click("nav.admin-nav >> text=Đơn vị")
    page.fill("#imp-text", "code,name,level,parent_code\nA3,Ấp A3,village,A\nA2,Ấp A2 đổi tên,village,A\n"
                           "A1,Ấp A1,village,A\n")
    page.click("#import-form button[type=submit]")
    summary = page.locator("#import-summary")
    assert "1 đơn vị mới, 1 đơn vị thay đổi" in summary.inner_text() and "1 đơn vị không đổi" in summary.inner_text()
    fits(page)
    with sessions() as s:
        assert s.scalar(select(Unit.id).where(Unit.code == "A3")) is None  # the preview wrote nothing
    page.click("#import-confirm button[type=submit]")
    assert "Đã nhập: 1 đơn vị mới, 1 đơn vị thay đổi" in page.locator(".alert-ok").inner_text()
    assert page.locator("#unit-tree >> text=Ấp A3").count() == 1
    fits(page)
    # A file with problems lists them by line and offers nothing to confirm.
    page.fill("#imp-text", "code,name,level,parent_code\nX1,=1+1,village,A\nX2,Ấp X2,village,KHONG-CO\n")
    page.click("#import-form button[type=submit]")
    rows = page.locator("#import-problems tbody tr")
    assert rows.count() == 2 and "công thức" in rows.nth(0).inner_text()
    assert page.locator("#import-confirm").count() == 0
    fits(page)


def test_a_deactivated_users_open_session_ends_on_its_next_click(context, site, sessions):
    # The same server under another host name: its own cookies, so a second session.
    other = site.replace("127.0.0.1", "localhost")
    victim = context.new_page()
    sign_in(victim, other, "off_a")
    victim.click("nav.main-nav >> text=Ý kiến")
    assert victim.url.endswith("/cases")
    admin = context.new_page()
    sign_in(admin, site, "admin")
    admin.goto(f"{site}/admin/users?q=off_a")
    admin.click("a[href='/admin/access?action=deactivate&username=off_a']")
    admin.click("form[action='/admin/access'] button[type=submit]")
    assert "Đã thực hiện “Khóa tài khoản” cho off_a: 1 phiên" in admin.locator(".alert-ok").inner_text()
    fits(admin)
    victim.click("nav.main-nav >> text=Việc cần làm")
    assert "/login" in victim.url
    with sessions() as s:
        assert s.scalar(select(User.is_active).where(User.username == "off_a")) is False


# The same menus as the page test's (which ends with the two links everyone has).
MENUS = {who: labels[:-2] for who, labels in PAGE_MENUS.items()}


def test_each_roles_menu_is_visible_marks_the_page_and_fits(context, site):
    page = context.new_page()
    for who, wanted in MENUS.items():
        sign_in(page, site, who)
        nav = page.get_by_role("navigation", name="Menu chính")
        labels = [t.strip() for t in nav.locator("a").all_inner_texts()]
        assert labels == wanted + ["Tra cứu", "Đổi mật khẩu"], who
        first = nav.locator("a").first
        first.click()
        assert nav.locator("a[aria-current=page]").all_inner_texts() == [wanted[0]]
        width = page.evaluate("window.innerWidth")
        for link in nav.locator("a").all():
            box = link.bounding_box()
            assert link.is_visible() and box["width"] > 0 and box["x"] + box["width"] <= width, (who, box)
        # The menu wraps rather than pushing the page sideways (the page below is its own).
        assert page.evaluate("document.querySelector('header.top').scrollWidth") <= width
        page.click("form[action='/logout'] button")
    page.goto(f"{site}/khong-co-trang-nay")
    assert page.locator("h1").inner_text() == "Không tìm thấy"
    page.click("text=Về trang chính")
    assert page.url.endswith("/track")
