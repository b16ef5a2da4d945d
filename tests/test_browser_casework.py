"""The case work in Chromium, as a leader and an official, at 1366 px and 360 px:
the leader extends a case and assigns it, the official finds it in "Việc của tôi",
and the board names who must act."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from engine.models import User
from web.app import create_app
from web.container import Container

from .browser.journeys import SIZES, fits_the_screen, sign_in
from .browser.live import chromium, chromium_or_skip, live_server
from .world import World



@pytest.fixture
def site(container: Container, world: World) -> Iterator[str]:
    chromium_or_skip()
    with container.sessions() as s:
        s.execute(update(User).where(User.username == "off_a").values(full_name="Nguyễn Văn Một"))
        s.execute(update(User).where(User.username == "lead_a").values(full_name="Trần Thị Lãnh"))
        s.commit()
    with live_server(create_app(container=container)) as url:
        yield url




@pytest.mark.parametrize("size", list(SIZES))
def test_extend_assign_my_cases_and_the_board(site, world, service, clock, tmp_path: Path, size: str):
    case = world.new_case(content="Đường ống nước ở ấp A1 bị vỡ")
    with chromium(tmp_path / "profile", **SIZES[size]) as ctx:
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()

        # -- the leader extends the case, then assigns it ---------------------------
        sign_in(page, site, "lead_a")
        page.goto(f"{site}/cases/{case.code}")
        page.locator("details.action > summary", has_text="Gia hạn xử lý").click()
        assert "Còn được gia hạn tối đa 5 ngày làm việc" in page.locator("#extend-form").inner_text()
        page.fill("#cf-days", "2")
        page.fill("#cf-reason", "Chờ kết quả xét nghiệm mẫu nước")
        page.get_by_role("button", name="Gia hạn", exact=True).click()
        page.wait_for_url(re.compile(r".*\?done=extend$"))
        facts = page.locator(".facts").first.inner_text()
        assert "Đã gia hạn" in facts and "Chờ kết quả xét nghiệm mẫu nước" in facts and "Trần Thị Lãnh" in facts
        assert fits_the_screen(page)

        page.locator("details.action > summary", has_text="Người được giao xử lý").click()
        page.select_option("#cf-assignee", "off_a")
        page.get_by_role("button", name="Giao xử lý", exact=True).click()
        page.wait_for_url(re.compile(r".*\?done=assign$"))
        assert page.locator("#who-acts").inner_text() == "Nguyễn Văn Một"
        assert "Đã cập nhật người được giao xử lý." in page.locator("main").inner_text()
        assert fits_the_screen(page)
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url(re.compile(r".*/login\?bye=1$"))

        # -- the official finds it in "Việc của tôi" ---------------------------------
        sign_in(page, site, "off_a")
        page.get_by_role("link", name="Việc của tôi").click()
        page.wait_for_url(f"{site}/my-cases")
        mine = page.locator("main").inner_text()
        assert case.code in mine and "Đã gia hạn 2 ngày" in mine
        assert fits_the_screen(page)
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url(re.compile(r".*/login\?bye=1$"))

        # -- due soon: the leader's board names who must act -------------------------
        clock.set(service.get(world["lead_a"], case.code).due_at - timedelta(hours=3))
        sign_in(page, site, "lead_a")
        soon = page.locator("section[aria-labelledby=h-soon] tbody tr", has_text=case.code)
        assert "Nguyễn Văn Một" in soon.locator("td.who").inner_text()
        assert "Đã gia hạn 2 ngày" in soon.inner_text()
        assert fits_the_screen(page)
