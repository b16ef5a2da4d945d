"""The citizen's rating and re-check in Chromium, against a real uvicorn server: scan
(open) the receipt's address, type the PIN, rate the answer "not satisfied" with a
comment, then ask for a re-check; the chain holds both as the citizen's events and
the page never loads anything it may not (CSP) or shows anyone's name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.services.receipts import issue_receipts
from web.app import create_app
from web.container import Container

from .browser.live import chromium, chromium_or_skip, live_server


@pytest.fixture
def site(container: Container, world: Any) -> Iterator[str]:
    chromium_or_skip()
    with live_server(create_app(container=container)) as url:
        yield url


def test_the_citizen_rates_and_asks_for_a_recheck_in_chromium(site, world, service, tmp_path: Path):
    case = world.new_case(content="Đèn đường ấp A1 hỏng", citizen_name="Thạch Thị Sương")
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Xã sẽ thay bóng đèn trong tuần."})
    (receipt,) = issue_receipts(service, world["off_a"], [case.code])
    problems: list[str] = []
    with chromium(tmp_path / "profile") as ctx:
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        prefix, year, body = case.code.split("-")
        page.goto(f"{site}/tra-cuu/{prefix.lower()}.{year}.{body.lower()}")  # typed, not scanned
        assert page.url == f"{site}/tra-cuu/{case.code}"
        assert page.locator("h2#h-result").inner_text() == case.code
        assert "Xã sẽ thay bóng đèn" not in page.content()
        page.get_by_label("Mã PIN").fill(receipt.pin)
        page.get_by_role("button", name="Xác nhận").click()
        page.wait_for_load_state()
        assert "Xã sẽ thay bóng đèn trong tuần." in page.content()
        page.get_by_label("Không hài lòng").check()
        page.get_by_label("Góp ý thêm").fill("Đèn vẫn tắt vào ban đêm")
        page.get_by_role("button", name="Gửi đánh giá").click()
        page.wait_for_load_state()
        assert "Đã ghi nhận" in page.content()
        assert "Không hài lòng" in page.locator("dl.facts").last.inner_text()
        page.get_by_label("Lý do đề nghị xem xét lại").fill("Đèn vẫn chưa sáng")
        page.get_by_role("button", name="Đề nghị xem xét lại").click()
        page.wait_for_load_state()
        assert "Đã chuyển xử lý" in page.locator(".status-line").inner_text()
        assert "Thạch Thị Sương" not in page.content()
    events = service.history(world["lead_a"], case.code)
    mine = [(e.actor, e.trigger, e.data.get("satisfaction") or e.data.get("reason"), e.note) for e in events
            if e.actor == "citizen"]
    assert mine == [("citizen", "citizen_rate", "not_satisfied", "Đèn vẫn tắt vào ban đêm"),
                    ("citizen", "citizen_recheck", "Đèn vẫn chưa sáng", "")]
    assert service.get(world["lead_a"], case.code).state == "escalated"
    assert problems == []
