"""Navigation and errors (issue 15, item 6): the menu each role gets (from
engine.sections, one rule), and every error a browser meets as a page in its
language with a way back, while the API keeps problem+json and Open311 its own
format (web.errors decides, by path and Accept)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from engine.sections import SECTIONS, sections_for
from web.app import create_app

from .browser.web import browser, web_app, web_container  # noqa: F401

PROBLEM = "application/problem+json"
TITLES = {  # status → the page's title, Vietnamese and English
    403: ("Không được phép", "Not allowed"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Không mở được theo cách này", "Not possible this way"),
    413: ("Nội dung gửi lên quá lớn", "Too much sent at once"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
    500: ("Có lỗi của hệ thống", "Something went wrong on our side"),
    503: ("Tạm thời không lưu được", "Temporarily unavailable"),
}


@pytest.fixture
def app(web_container) -> Any:  # type: ignore[no-untyped-def]
    """The real application, plus routes that fail with each status (the handlers are
    what is tested; the real triggers are tested below where a request can make them)."""
    application = create_app(container=web_container)

    def fail(status: int) -> None:
        if status == 500:
            raise RuntimeError("a bug")
        raise HTTPException(status, headers={"Retry-After": "7"} if status in (429, 503) else None)

    for prefix in ("/test-fail", "/api/v1/test-fail"):
        application.add_api_route(prefix + "/{status}", lambda status: fail(int(status)), methods=["GET"])
    return application


def _page_of(response: Any) -> str:
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return response.text


@pytest.mark.parametrize("status", sorted(TITLES))
def test_every_error_status_is_a_page_for_a_browser_and_a_problem_for_the_api(app, status):
    with TestClient(app, raise_server_exceptions=False) as http:
        for lang, index in (("vi", 0), ("en", 1)):
            http.cookies.set("nd_lang", lang)
            r = http.get(f"/test-fail/{status}", headers={"accept": "text/html,*/*", "referer": "http://testserver/cases"})
            html = _page_of(r)
            assert r.status_code == status and f'<html lang="{lang}">' in html
            assert f"<h1 id=\"error-title\">{TITLES[status][index]}</h1>" in html
            assert 'href="/cases">' in html and ('Quay lại trang trước' if lang == 'vi' else 'Back to the previous') in html
            assert "detail" not in html and "a bug" not in html and "Traceback" not in html
            if status in (429, 503):
                assert r.headers["retry-after"] == "7"
            api = http.get(f"/api/v1/test-fail/{status}", headers={"accept-language": lang})
            assert api.status_code == status and api.headers["content-type"].startswith(PROBLEM)
            body = api.json()
            assert body["status"] == status and body["type"].startswith("https://nghedan.vn/problems/")
            assert "a bug" not in api.text


def test_the_real_refusals_of_a_browser_are_pages(browser):
    anonymous = browser()
    r = anonymous.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy" in _page_of(r) and 'href="/track"' in r.text
    # The two: GET on a POST-only address and an unknown page, no longer raw JSON.
    admin = browser("admin")
    r = admin.get("/logout")
    assert r.status_code == 405 and "Không mở được theo cách này" in _page_of(r) and '{"detail"' not in r.text
    assert r.headers.get("allow") == "POST"
    assert admin.get("/admin/calendar").status_code == 200  # now a page of its own
    r = browser("lead_a").get("/admin")
    assert r.status_code == 403 and "Không được phép" in _page_of(r)
    r = admin.http.post("/meetings/new", content=b"x" * 16, headers={
        "content-length": str(5 * 2**20), "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "Nội dung gửi lên quá lớn" in _page_of(r)
    assert "không có gì được lưu" in r.text


def test_the_api_and_open311_keep_their_formats(browser):
    http = browser().http
    r = http.get("/api/v1/khong-co")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["type"] == "https://nghedan.vn/problems/not-found"
    r = http.put("/api/v1/me")
    assert r.status_code == 405 and r.json()["type"].endswith("/method-not-allowed")
    r = http.post("/api/v1/cases", content=b"{}", headers={"content-length": str(50 * 2**20),
                                                           "content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith(PROBLEM)
    r = http.get("/open311/v2/khong-co.json")
    assert r.status_code == 404 and isinstance(r.json(), list) and r.json()[0]["code"] == 404
    r = http.get("/open311/v2/khong-co.xml")
    assert r.status_code == 404 and r.text.lstrip().startswith("<?xml")
    # A program asking for JSON on a page's address gets a problem, not a page.
    r = http.get("/khong-co", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert http.get("/khong-co", headers={"accept": "text/html,application/json"}).headers[
        "content-type"].startswith("text/html")


# -- the menu ----------------------------------------------------------------------

MENUS = {
    "off_a": ["Việc cần làm", "Ý kiến", "Việc của tôi", "Nhập buổi tiếp xúc", "Buổi tiếp xúc", "Làm dân tin",
              "Các chương trình", "Thông báo", "Tra cứu", "Đổi mật khẩu"],
    "lead_a": ["Việc cần làm", "Ý kiến", "Việc của tôi", "Nhập buổi tiếp xúc", "Buổi tiếp xúc", "Làm dân tin",
               "Các chương trình", "Báo cáo", "Giám sát", "Thông báo", "Tra cứu", "Đổi mật khẩu"],
    "aud_p": ["Các chương trình", "Báo cáo", "Giám sát", "Thông báo", "Tra cứu", "Đổi mật khẩu"],
    "admin": ["Quản trị", "Thông báo", "Tra cứu", "Đổi mật khẩu"],
}
_NAV = re.compile(r'<nav class="wrap main-nav" aria-label="Menu chính">(.*?)</nav>', re.S)


def _menu(html: str) -> list[tuple[str, str, bool]]:
    nav = _NAV.search(html)
    assert nav, "no main menu landmark"
    return [(href, re.sub(r"<[^>]+>", "", label).strip(), bool(current))
            for href, current, label in re.findall(r'<a href="([^"]+)" ?(aria-current="page")?>(.*?)</a>', nav.group(1))]


@pytest.mark.parametrize("who", sorted(MENUS))
def test_each_role_gets_its_menu_and_every_entry_opens(browser, world, who):
    page = browser(who)
    html = page.get("/track").text
    items = _menu(html)
    assert [label for _, label, _ in items] == MENUS[who]
    assert [href for href, _, current in items if current] == ["/track"]
    for href, _, _ in items:
        r = page.get(href)
        assert r.status_code == 200, (who, href, r.status_code)
        marked = [h for h, _, current in _menu(r.text) if current]
        assert marked == [href], (who, href, marked)
    # The rule itself: a role's sections are exactly those naming it (or everyone's).
    actor = world[who]
    assert {s.key for s in sections_for(actor)} == {s.key for s in SECTIONS
                                                   if not s.roles or any(actor.has_role(r) for r in s.roles)}


def test_the_most_specific_entry_marks_a_deeper_page(browser, world):
    case = world.new_case()
    page = browser("lead_a")
    assert [h for h, _, c in _menu(page.get(f"/cases/{case.code}").text) if c] == ["/cases"]
    assert [h for h, _, c in _menu(page.get("/meetings/new").text) if c] == ["/meetings/new"]
    assert [h for h, _, c in _menu(page.get("/audit/cases").text) if c] == ["/audit"]
    assert [h for h, _, c in _menu(browser("admin").get("/admin/users").text) if c] == ["/admin"]
    english = browser("aud_p")
    english.post("/lang", {"lang": "en", "next": "/reports"}, token_from="/reports")
    nav = re.search(r'<nav class="wrap main-nav" aria-label="Main menu">', english.get("/reports").text)
    assert nav is not None
