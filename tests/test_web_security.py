"""Sign-in, sessions, CSRF, throttling, headers and languages of the web pages."""

from __future__ import annotations

import re

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.models import User
from engine.models.web_sessions import WebSession
from web.app import create_app
from web.container import build_container
from web.settings import Settings

from .browser.web import browser, client, counts, csrf_of, form_values, web_app, web_container  # noqa: F401
from .conftest import HCM
from .world import PASSWORD

PROTECTED = ["/", "/cases", "/cases/P-2026-0000000", "/meetings", "/meetings/new", "/meetings/1", "/inbox",
             "/admin", "/account/password", "/cases/P-2026-0000000/history.json"]


def test_every_page_sends_the_security_headers(client):
    for path in ("/login", "/track", "/static/app.css", "/healthz"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_style(browser, world):
    page = browser("lead_a")
    world.new_case()
    for path in ("/", "/cases", "/meetings/new", "/track", "/account/password"):
        html = page.get(path).text
        # A script file of this site may load (the CSP allows 'self'); nothing inline.
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), path
        assert " style=" not in html and "<style" not in html and " onclick=" not in html, path


@pytest.mark.parametrize("path", PROTECTED)
def test_pages_need_sign_in(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_sign_in_sets_a_hardened_session_cookie(browser, sessions):
    page = browser()
    r = page.login("off_a")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("nd_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    token = cookie.split(";")[0].split("=", 1)[1]
    with sessions() as s:
        stored = list(s.scalars(select(WebSession.id)))
    assert len(stored) == 1 and token not in stored[0]  # only a digest is stored
    assert page.get("/").status_code == 200


def test_cookies_are_secure_over_https(browser):
    page = browser(base_url="https://testserver")
    r = page.http.get("/login")
    assert "Secure" in r.headers["set-cookie"]  # the anonymous form token
    r = page.login("off_a")
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
    assert "strict-transport-security" in r.headers


def test_wrong_password_is_refused_without_saying_which_part(browser, sessions):
    page = browser()
    r = page.login("off_a", "wrong")
    assert r.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.text
    assert "set-cookie" not in r.headers or "nd_session" not in r.headers.get("set-cookie", "")
    assert 'value="off_a"' in r.text and "wrong" not in r.text  # the name is kept, the password never echoed
    r2 = page.login("nobody", "wrong")
    assert r2.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in r2.text
    assert counts(sessions)["web_sessions"] == 0


def test_login_is_throttled_per_username_across_processes(browser, db_url, clock, sessions):
    page = browser()
    for _ in range(5):
        assert page.login("off_a", "wrong").status_code == 401
    r = page.login("off_a")  # even the right password is not checked now
    assert r.status_code == 429 and "thử lại sau 15 phút" in r.text
    # Another server process (a new app over the same database) agrees.
    other = build_container(Settings(database_url=db_url, environment="test"), clock=clock)
    try:
        with TestClient(create_app(container=other)) as http:
            token = csrf_of(http.get("/login").text)
            r = http.post("/login", data={"username": "OFF_A ", "password": PASSWORD, "csrf": token},
                          follow_redirects=False)
            assert r.status_code == 429
    finally:
        other.close()
    assert browser().login("lead_a").status_code == 303  # other users are not affected
    clock.advance(timedelta(minutes=15, seconds=1))
    assert page.login("off_a").status_code == 303


def test_login_is_throttled_per_address(browser, web_container):
    throttle = web_container.login_throttle
    assert (throttle.per_user, throttle.per_ip, throttle.window) == (5, 20, timedelta(minutes=15))
    throttle.per_ip = 6  # the same rule, fewer slow password checks
    page = browser()
    for i in range(6):
        assert page.login(f"nobody{i}", "wrong").status_code == 401
    assert page.login("lead_a").status_code == 429
    assert page.login("off_b").status_code == 429


def test_logout_ends_the_session(browser, sessions):
    page = browser("off_a")
    stolen = page.http.cookies.get("nd_session")
    html = page.get("/").text
    r = page.post("/logout", {}, csrf=csrf_of(html))
    assert r.status_code == 303 and r.headers["location"] == "/login?bye=1"
    assert counts(sessions)["web_sessions"] == 0
    thief = browser()
    thief.http.cookies.set("nd_session", stolen)
    assert thief.get("/").status_code == 303


def test_password_change_ends_every_session_of_the_user(browser, sessions):
    a, b = browser("off_a"), browser("off_a")
    old_a = a.http.cookies.get("nd_session")
    other_user = browser("lead_a")
    html = a.get("/account/password").text
    r = a.post("/account/password", {"current": PASSWORD, "new": "mật khẩu mới 2026", "repeat": "mật khẩu mới 2026"},
               csrf=csrf_of(html))
    assert r.status_code == 303
    assert a.get("/account/password?done=1").status_code == 200  # this browser got a fresh session
    assert a.http.cookies.get("nd_session") != old_a
    assert b.get("/").status_code == 303  # the other browser is signed out
    assert other_user.get("/").status_code == 200  # other people are not
    assert browser().login("off_a").status_code == 401
    assert browser().login("off_a", "mật khẩu mới 2026").status_code == 303


@pytest.mark.parametrize("fields, message", [
    ({"current": "wrong", "new": "abcdefghij", "repeat": "abcdefghij"}, "Mật khẩu hiện tại không đúng."),
    ({"current": PASSWORD, "new": "short", "repeat": "short"}, "Mật khẩu mới phải có từ 8 đến 1024 ký tự."),
    ({"current": PASSWORD, "new": "abcdefghij", "repeat": "abcdefghik"}, "Hai lần nhập mật khẩu mới không khớp."),
    ({"current": PASSWORD, "new": "x" * 5000, "repeat": "x" * 5000}, "Mật khẩu mới phải có từ 8 đến 1024 ký tự."),
])
def test_password_change_refusals(browser, sessions, fields, message):
    page = browser("off_a")
    with sessions() as s:
        before = s.scalar(select(User.password_hash).where(User.username == "off_a"))
    r = page.post("/account/password", fields, csrf=csrf_of(page.get("/account/password").text))
    assert r.status_code == 400 and message in r.text
    with sessions() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "off_a")) == before
    assert page.get("/").status_code == 200


def test_idle_session_expires(browser, clock):
    page = browser("off_a")
    clock.advance(timedelta(hours=11))
    assert page.get("/").status_code == 200  # seen again: the idle clock restarts
    clock.advance(timedelta(hours=11))
    assert page.get("/").status_code == 200
    clock.advance(timedelta(hours=12, minutes=1))
    assert page.get("/").status_code == 303


def _posts(world):
    case = world.new_case()
    return [
        ("/login", {"username": "off_a", "password": PASSWORD}),
        ("/logout", {}),
        ("/lang", {"lang": "en", "next": "/"}),
        (f"/cases/{case.code}/act", {"trigger": "answer_on_site", "answer": "x", "version": "1"}),
        (f"/cases/{case.code}/remark", {"kind": "remark", "note": "x", "version": "1"}),
        ("/meetings/new", {"programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A", "nonce": "n" * 43,
                           "rows": "1", "r0_topic": "khac", "r0_content": "x"}),
        ("/track", {"code": case.code}),
        ("/account/password", {"current": PASSWORD, "new": "abcdefghij", "repeat": "abcdefghij"}),
        ("/admin/calendar", {"day": "2026-12-24", "kind": "day_off"}),
        ("/inbox/read", {}),
    ]


def test_every_form_post_needs_the_csrf_token(browser, world, sessions):
    page = browser("lead_a")
    admin = browser("admin")
    good = page.token("/")
    for path, data in _posts(world):
        for who in (page, admin):
            before = counts(sessions)
            missing = who.post(path, data, token_from=None)
            wrong = who.post(path, data, csrf=good[:-4] + "AAAA")
            for r in (missing, wrong):
                assert r.status_code == 403, (path, r.status_code)
                assert "Biểu mẫu đã hết hạn" in r.text
            assert counts(sessions) == before, path
    assert page.get("/").status_code == 200  # not even signed out


def test_a_token_of_another_browser_or_a_foreign_origin_is_refused(browser, world, sessions):
    case = world.new_case()
    victim, attacker = browser("off_a"), browser("off_b")
    before = counts(sessions)
    data = {"trigger": "answer_on_site", "answer": "x", "version": "1"}
    r = victim.post(f"/cases/{case.code}/act", data, csrf=attacker.token("/"))
    assert r.status_code == 403
    r = victim.post(f"/cases/{case.code}/act", data, csrf=victim.token("/"),
                    headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    anonymous = browser()
    r = anonymous.post("/login", {"username": "off_a", "password": PASSWORD}, csrf=browser().token("/login"))
    assert r.status_code == 403
    assert counts(sessions) == before


def test_redirect_after_sign_in_stays_on_this_site(browser):
    page = browser()
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)"):
        r = page.post("/login", {"username": "off_a", "password": PASSWORD, "next": target}, token_from="/login")
        assert r.status_code == 303 and r.headers["location"] == "/", target
        page.post("/logout", {}, token_from="/")
    r = page.post("/login", {"username": "off_a", "password": PASSWORD, "next": "/cases?state=open"},
                  token_from="/login")
    assert r.headers["location"] == "/cases?state=open"


def test_language_per_session_and_per_user(browser, world, sessions):
    case = world.new_case()
    anonymous = browser()
    r = anonymous.post("/lang", {"lang": "en", "next": "/track"}, token_from="/track")
    assert r.status_code == 303 and r.headers["location"] == "/track"
    html = anonymous.get("/track").text
    assert '<html lang="en">' in html and "Track your opinion" in html
    page = browser("off_a")
    html = page.get("/cases").text
    assert '<html lang="vi">' in html and "Đã tiếp nhận" in html and "Danh sách ý kiến" in html
    page.post("/lang", {"lang": "en", "next": "/cases"}, token_from="/cases")
    html = page.get("/cases").text
    assert '<html lang="en">' in html and "Received" in html and "Đã tiếp nhận" not in html
    assert case.due_at.astimezone(HCM).strftime("17:00 on %d/%m/%Y") in html  # dates stay dd/mm/yyyy, local time
    with sessions() as s:
        assert s.scalar(select(User.language).where(User.username == "off_a")) == "en"
    assert "Overdue board" in browser("off_a").get("/").text  # the next session remembers
    r = page.post("/lang", {"lang": "xx", "next": "/"}, token_from="/")
    assert r.status_code == 303 and 'lang="en"' in page.get("/").text


def test_oversized_bodies_are_refused_before_parsing(browser, world, sessions):
    case = world.new_case()
    page = browser("off_a")
    before = counts(sessions)
    r = page.post(f"/cases/{case.code}/act", {"trigger": "answer_on_site", "answer": "x" * (2 << 20), "version": "1"},
                  token_from="/")
    assert r.status_code == 413
    assert counts(sessions) == before


def test_garbage_bodies_are_a_bad_request_not_a_crash(browser, world):
    case = world.new_case()
    page = browser("off_a")
    r = page.http.post(f"/cases/{case.code}/act", content=b"--xx\r\nnot multipart",
                       headers={"content-type": "multipart/form-data; boundary=xx"}, follow_redirects=False)
    assert r.status_code in (400, 403)
    fields = [("f" + str(i), "v") for i in range(5000)]
    r = page.post(f"/cases/{case.code}/act", fields, csrf=page.token("/"))
    assert r.status_code == 400


def test_track_form_token_is_not_a_session(browser, sessions):
    page = browser()
    html = page.get("/track").text
    assert form_values(html, "/track")["csrf"] == page.http.cookies.get("nd_csrf")
    assert counts(sessions)["web_sessions"] == 0


def test_a_form_posted_after_the_session_expired_leads_back_to_its_page(browser, world, clock, sessions):
    case = world.new_case()
    page = browser("off_a")
    token = page.token(f"/cases/{case.code}")
    clock.advance(timedelta(hours=13))
    before = counts(sessions)
    r = page.post(f"/cases/{case.code}/act", {"trigger": "answer_on_site", "answer": "x", "version": "1"}, csrf=token)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/cases/{case.code}"
    assert counts(sessions) == before


def test_the_menu_offers_intake_only_to_those_who_may_record(browser, world):
    assert 'href="/meetings/new"' in browser("off_a").get("/").text
    assert 'href="/meetings/new"' not in browser("aud_p").get("/").text
    assert 'href="/admin"' in browser("admin").get("/").text
    assert 'href="/admin"' not in browser("lead_a").get("/").text
