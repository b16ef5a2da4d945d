"""The axe-core check every browser test gets from ``chromium()`` (tests/browser/axe.py):
it finds a violation on a page reached by ``goto`` and on one reached by a click, checks
a page before a key press leaves it, names the rule, the element and the page's address,
passes a clean page, checks pages whose own scripts are off too, keeps a failing test's
own error, and skips without axe-core except in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .browser.live import chromium, live_server

CLEAN = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang sạch</title></head>
<body><main><h1>Trang sạch</h1><p><a href="/broken">Sang trang lỗi</a></p>
<form action="/broken"><label for="q">Tìm</label><input id="q" name="q"><button>Tìm</button></form></main></body></html>"""
# An image without a text alternative and a field without a label: WCAG 1.1.1 and 4.1.2.
BROKEN = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang lỗi</title></head>
<body><main><h1>Trang lỗi</h1><img src="/x.png" id="no-alt">
<form action="/"><input id="no-label" name="x"></form></main></body></html>"""


def _app() -> Starlette:
    async def clean(request):  # type: ignore[no-untyped-def]
        return HTMLResponse(CLEAN)

    async def broken(request):  # type: ignore[no-untyped-def]
        return HTMLResponse(BROKEN)

    return Starlette(routes=[Route("/", clean), Route("/broken", broken)])


@pytest.fixture
def site():
    with live_server(_app()) as url:
        yield url


def test_a_clean_page_passes(site, tmp_path: Path):
    with chromium(tmp_path / "p") as ctx:
        page = ctx.new_page()
        page.goto(site + "/")
        assert page.locator("h1").inner_text() == "Trang sạch"


def test_a_violation_on_a_visited_page_fails_the_test(site, tmp_path: Path):
    with pytest.raises(pytest.fail.Exception) as failed:
        with chromium(tmp_path / "p") as ctx:
            page = ctx.new_page()
            page.goto(site + "/broken")
    report = str(failed.value)
    assert f"{site}/broken: image-alt" in report and "#no-alt" in report
    assert "#no-label" in report


def test_a_page_reached_by_a_click_is_checked_before_the_next_action(site, tmp_path: Path):
    with pytest.raises(pytest.fail.Exception) as failed:
        with chromium(tmp_path / "p") as ctx:
            page = ctx.new_page()
            page.goto(site + "/")
            page.get_by_role("link", name="Sang trang lỗi").click()
            page.wait_for_url(site + "/broken")
            page.goto(site + "/")  # the broken page is gone before the context closes
    report = str(failed.value)
    assert f"{site}/broken: image-alt" in report
    assert f"{site}/: " not in report  # the clean page, checked twice, is not blamed


def test_pages_without_scripts_are_checked_too(site, tmp_path: Path):
    with pytest.raises(pytest.fail.Exception) as failed:
        with chromium(tmp_path / "p", java_script_enabled=False) as ctx:
            page = ctx.new_page()
            page.goto(site + "/")
            page.locator("button").click()
            page.wait_for_url(site + "/broken?q=")
    assert "/broken?q=: image-alt" in str(failed.value)


def test_a_failing_test_keeps_its_own_error(site, tmp_path: Path):
    # The test's own failure is the one to read; axe does not replace it.
    with pytest.raises(AssertionError, match="the test's own"):
        with chromium(tmp_path / "p") as ctx:
            page = ctx.new_page()
            page.goto(site + "/broken")
            raise AssertionError("the test's own")


def test_without_axe_core_the_browser_tests_skip_except_in_ci(monkeypatch, tmp_path: Path):
    from .browser import axe

    monkeypatch.setattr(axe, "AXE_JS", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="npm ci"):
        axe.axe_source_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="in CI this is a failure"):
        axe.axe_source_or_skip()


def test_a_page_left_with_the_keyboard_is_checked_first(site, tmp_path: Path):
    with pytest.raises(pytest.fail.Exception) as failed:
        with chromium(tmp_path / "p") as ctx:
            page = ctx.new_page()
            page.goto(site + "/broken")
            page.focus("#no-label")
            page.keyboard.press("Enter")  # submits the form: the broken page is gone
            page.wait_for_url(site + "/?x=")
    assert f"{site}/broken: image-alt" in str(failed.value)
