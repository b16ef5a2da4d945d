"""The remaining pages (admin, inbox, static files) and the server time of every
page with the demo data, measured and reported (not asserted)."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.models import CalendarOverride, Case, Meeting
from web.app import create_app
from web.container import Container
from web.demo import DEMO_PASSWORD, load_demo

from .browser.web import Page, browser, client, counts, csrf_of, web_app, web_container  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_admin_page_is_for_admins_only(browser, world, sessions):
    assert browser("lead_a").get("/admin").status_code == 403
    page = browser("admin")
    html = page.get("/admin").text
    assert "Ấp A1" in html and "off_a" in html and "Lãnh đạo @ A" in html
    # Adding asks first too (which open deadlines move), and writes only when confirmed.
    wanted = {"day": "2026-12-31", "kind": "day_off", "note": "Nghỉ bù <b>"}
    r = page.post("/admin/calendar", wanted, token_from="/admin")
    assert r.status_code == 200 and "Đặt ngày 31/12/2026 là: Nghỉ?" in r.text
    with sessions() as s:
        assert s.scalar(select(CalendarOverride)) is None
    r = page.post("/admin/calendar", {**wanted, "confirm": "1"}, token_from="/admin")
    assert r.status_code == 303
    with sessions() as s:
        row = s.get(CalendarOverride, __import__("datetime").date(2026, 12, 31))
        assert (row.kind, row.note) == ("day_off", "Nghỉ bù <b>")
    html = page.get("/admin").text
    assert "31/12/2026" in html and "Nghỉ bù &lt;b&gt;" in html
    for bad in ({"day": "mai", "kind": "day_off"}, {"day": "2026-12-30", "kind": "holiday"}):
        for confirm in ("", "1"):
            before = counts(sessions)
            r = page.post("/admin/calendar", {**bad, "confirm": confirm}, token_from="/admin")
            assert r.status_code == 400 and counts(sessions) == before
    # Removing asks first (saying which open deadlines move), and only then removes.
    r = page.post("/admin/calendar/remove", {"day": "2026-12-31"}, token_from="/admin")
    assert r.status_code == 200 and "Bỏ điều chỉnh ngày 31/12/2026?" in r.text
    with sessions() as s:
        assert s.scalar(select(CalendarOverride)) is not None
    r = page.post("/admin/calendar/remove", {"day": "2026-12-31", "confirm": "1"}, token_from="/admin")
    assert r.status_code == 303
    with sessions() as s:
        assert s.scalar(select(CalendarOverride)) is None
    official = browser("off_a")
    r = official.post("/admin/calendar", {"day": "2026-12-30", "kind": "day_off"}, token_from="/")
    assert r.status_code == 403


def test_inbox_page_works_with_or_without_notifications(browser, world):
    html = browser("off_a").get("/inbox").text
    assert "Thông báo" in html
    r = browser("off_a").post("/inbox/read", {}, token_from="/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"


def test_static_files_and_unknown_paths(client):
    r = client.get("/static/app.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert client.get("/static/../web/app.py").status_code == 404
    assert client.get("/no-such-page").status_code == 404


def test_navigation_is_keyboard_and_screen_reader_friendly(browser, world):
    html = browser("off_a").get("/cases").text
    assert '<a class="skip" href="#main">' in html and '<main id="main"' in html
    assert 'aria-current="page"' in html
    # Every visible input, select and textarea has a label pointing at it.
    ids = set(re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html))
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and ids <= labelled
    meeting = browser("off_a").get("/meetings/new").text
    ids = set(re.findall(r'<(?:input|select|textarea) id="([^"]+)"', meeting))
    assert ids <= set(re.findall(r'<label for="([^"]+)"', meeting))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


# -- server time with the demo data ------------------------------------------------

@pytest.fixture
def demo(container: Container) -> Container:
    load_demo(container)
    return container


def _server_ms(response) -> float:  # type: ignore[no-untyped-def]
    return float(re.search(r"app;dur=([\d.]+)", response.headers["server-timing"]).group(1))


def test_server_time_of_every_page_with_the_demo_data(demo):
    with demo.sessions() as s:
        code = s.scalar(select(Case.code).order_by(Case.event_count.desc()))
        meeting_id = s.scalar(select(Meeting.id))
    pages = ["/", "/cases", "/cases?q=nuoc+sinh+hoat", "/cases?overdue=1", "/cases?state=open&sort=new",
             f"/cases/{code}", f"/cases/{code}/history.json", f"/cases/{code}/history.csv", "/meetings",
             "/meetings/new", f"/meetings/{meeting_id}", "/inbox", "/track", "/account/password"]
    report: list[tuple[str, str, float, float]] = []
    with TestClient(create_app(container=demo)) as http:
        page = Page(http)
        for user in ("canbo", "lanhdao", "giamsat", "admin"):
            assert page.login(user, DEMO_PASSWORD).status_code == 303
            for path in pages + (["/admin"] if user == "admin" else []):
                if path == "/meetings/new" and user in ("giamsat", "admin"):
                    continue
                times = []
                for _ in range(5):
                    r = page.get(path)
                    assert r.status_code == 200, (user, path, r.status_code)
                    times.append(_server_ms(r))
                report.append((user, path, statistics.median(times), max(times)))
            tracked = page.post("/track", {"code": code}, token_from="/track")
            assert tracked.status_code == 200
            report.append((user, "POST /track", _server_ms(tracked), _server_ms(tracked)))
            page.post("/logout", {}, csrf=csrf_of(page.get("/").text))
    lines = [f"{user:8} {path:45} median {med:6.1f} ms  max {top:6.1f} ms" for user, path, med, top in report]
    slow = [line for line, (_, _, med, _) in zip(lines, report) if med >= 100]
    summary = f"{len(report)} pages; slowest median {max(r[2] for r in report):.1f} ms; over 100 ms: {len(slow)}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    (ARTIFACTS / "page-timings.txt").write_text("\n".join([summary, *lines]) + "\n", encoding="utf-8")
    print("\n" + summary)
