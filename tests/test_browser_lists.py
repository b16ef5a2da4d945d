"""The case list in Chromium, at 1366 px and 360 px: page through 500 cases (the
count, every case once, the pages in the address), filter, select 20 and escalate
them together, and read the summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from engine.services.cases import NewCase
from web.app import create_app

from .browser.journeys import SIZES, sign_in
from .browser.live import chromium, chromium_or_skip, live_server
from .browser.web import web_container  # noqa: F401

GROUPS = {"desktop": "Cống thoát nước bị nghẹt", "phone": "Đèn chiếu sáng không sáng"}


@pytest.fixture
def site(web_container, world, service) -> Any:  # noqa: F811
    chromium_or_skip()
    item = dict(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi")
    batch = [NewCase(**item, content=f"Ý kiến số {i}: đường hư hỏng") for i in range(460)]
    for group in GROUPS.values():
        batch += [NewCase(**{**item, "unit": "A2"}, content=f"{group} – điểm {i}") for i in range(20)]
    for start in range(0, len(batch), 100):
        service.create_many(world["lead_a"], batch[start:start + 100])
    with live_server(create_app(container=web_container)) as url:
        yield url



def _codes(page: Any) -> list[str]:
    return page.locator("table.cases a.code").all_inner_texts()


@pytest.mark.parametrize("size", list(SIZES))
def test_page_filter_select_and_escalate(site, tmp_path: Path, size: str):
    with chromium(tmp_path / "profile", **SIZES[size]) as context:
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, site, "lead_a")
        page.goto(f"{site}/cases?sort=new")
        assert page.locator("#result-count").inner_text().startswith("Tìm thấy 500 ý kiến")
        seen: list[str] = []
        pages = 0
        while True:
            pages += 1
            seen += _codes(page)
            # Nothing is wider than the screen: the table becomes cards on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"] + 1
            following = page.locator("nav.pager a[rel=next]")
            if following.count() == 0:
                break
            following.click()
            page.wait_for_load_state()
            assert f"Trang {pages + 1}" in page.locator("#result-count").inner_text()
        assert pages == 10 and len(seen) == 500 and len(set(seen)) == 500
        page.go_back()  # the address holds the page: back is the page before
        assert f"Trang {pages - 1}" in page.locator("#result-count").inner_text()

        page.goto(f"{site}/cases")
        page.fill("#q", GROUPS[size].lower().replace("ố", "o"))  # typed without some accents
        page.select_option("#state", "received")
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_url(re.compile(r".*/cases\?.*q=.*"))
        assert parse_qs(urlparse(page.url).query)["state"] == ["received"]
        assert page.locator("#result-count").inner_text().startswith("Tìm thấy 20 ý kiến")
        chosen = _codes(page)
        assert len(chosen) == 20
        boxes = page.locator("table.cases input[name=codes]")
        for i in range(boxes.count()):
            boxes.nth(i).check()
        page.select_option("#bulk-action", "escalate")
        page.select_option("#bulk-target", "P-SO")
        page.fill("#bulk-reason", "Vượt thẩm quyền của xã, chuyển Sở xử lý")
        page.get_by_role("button", name="Thực hiện với các ý kiến đã chọn").click()
        page.wait_for_url(f"{site}/cases/bulk")
        summary = page.locator("#bulk-summary").inner_text()
        assert summary == "Đã thực hiện “Chuyển xử lý” cho 20 ý kiến; 0 ý kiến không thực hiện được."
        done = page.locator("ul.bulk-result li.done a.code").all_inner_texts()
        assert sorted(done) == sorted(chosen)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"] + 1
        page.get_by_role("link", name="← Quay lại danh sách").click()
        page.wait_for_load_state()
        # The same filters, kept in the address: escalated cases are no longer "received".
        assert page.locator("#result-count").inner_text().startswith("Tìm thấy 0 ý kiến")
