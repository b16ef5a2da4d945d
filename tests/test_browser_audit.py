"""The Front's audit in Chromium, on a 360 px phone and a 1366 px desktop, over the demo
data: the audit home and a case's history fit the screen (no horizontal scroll), the
Front seals yesterday and checks the code it copied, a mistyped code is called
malformed, and axe-core (tests/browser/axe.py) checks every page visited."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from engine.models import Case, CaseEvent

from .browser.journeys import Problems
from .test_browser import DESKTOP, PHONE, context, demo, shots, sign_in, site  # noqa: F401

WIDE = {"width": 1366, "height": 900}


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def busiest_case(demo: Any) -> str:
    """The demo case with the longest history (most rows for the phone to stack)."""
    with demo.sessions() as s:
        return s.execute(select(Case.code).join(CaseEvent, CaseEvent.case_id == Case.id).group_by(Case.code)
                         .order_by(func.count().desc(), Case.code).limit(1)).scalar_one()


def test_the_front_audits_on_a_phone_and_a_desktop(site, context, demo, shots):  # noqa: F811
    page = context.new_page()
    problems = Problems(page)
    sign_in(page, site, "giamsat")
    code = busiest_case(demo)

    page.goto(f"{site}/audit")
    assert page.locator("h1").inner_text().startswith("Giám sát")
    assert scroll_width(page) <= 360
    page.screenshot(path=str(shots / "audit-phone.png"), full_page=True)

    # Seal yesterday (the form's default) and read the code to copy.
    page.get_by_role("button", name="Niêm phong", exact=True).click()
    page.wait_for_url(re.compile(r".*/audit\?sealed=\d{4}-\d{2}-\d{2}$"))
    made = page.locator("#seal-made").inner_text()
    sealed = re.search(r"Niêm phong ngày (\d{2}/\d{2}/\d{4}): ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", made)
    assert sealed, made
    day = "-".join(reversed(sealed.group(1).split("/")))
    assert scroll_width(page) <= 360

    # A mistyped code (one group short) is malformed, not a change of the history.
    page.fill("#s-day", day)
    page.fill("#s-value", sealed.group(2)[:-5])
    page.get_by_role("button", name="Đối chiếu").click()
    page.wait_for_url(re.compile(r".*/audit\?day=.*"))
    assert "Mã niêm phong không đúng định dạng" in page.locator("main").inner_text()
    assert "bị sửa" not in page.locator("main").inner_text()
    # The code as copied, in lower case with spaces: it matches.
    page.fill("#s-day", day)
    page.fill("#s-value", sealed.group(2).lower().replace("-", " "))
    page.get_by_role("button", name="Đối chiếu").click()
    page.wait_for_url(re.compile(r".*/audit\?day=.*"))
    assert page.locator("#seal-result").inner_text().startswith("Khớp")

    # A case's history: stacked cards on the phone, labelled, its hashes folded away.
    page.fill("#a-code", code.lower())
    page.get_by_role("button", name="Kiểm tra hồ sơ").first.click()
    page.wait_for_url(f"{site}/audit/cases/{code}")
    assert "Toàn vẹn" in page.locator("#verdict").inner_text()
    rows = page.locator("table.history tbody tr")
    assert rows.count() >= 3
    assert rows.first.locator("td").first.evaluate("e => getComputedStyle(e).display") == "grid"
    # The action's text stays in the value column, right of its label, however long.
    action = rows.nth(1).locator("td").nth(3)
    assert action.locator("div").bounding_box()["x"] > action.bounding_box()["x"] + 100
    text = page.locator("main").inner_text()
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text) and "escalated" not in text and "system" not in text
    assert scroll_width(page) <= 360
    page.screenshot(path=str(shots / "audit-case-phone.png"), full_page=True)

    # The same pages at 1366 px: real tables, nothing wider than the screen.
    page.set_viewport_size(WIDE)
    page.goto(f"{site}/audit/cases/{code}")
    assert page.locator("table.history tbody tr td").first.evaluate("e => getComputedStyle(e).display") == "table-cell"
    assert scroll_width(page) <= WIDE["width"]
    page.screenshot(path=str(shots / "audit-case-desktop.png"), full_page=True)
    page.goto(f"{site}/audit")
    assert scroll_width(page) <= WIDE["width"]
    assert problems.seen == []
    page.close()
