"""``nghedan calendar list / off / remove / refresh`` and the admin calendar page:
a year's built-in holidays, swaps and overrides (who added them, when); removal
moves deadlines back, asks first on the page; hostile input is one line, exit 2."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.models import CalendarOverride, Case

from .browser.web import Page, browser, counts, web_app, web_container  # noqa: F401


def test_list_shows_built_in_holidays_swaps_and_overrides(run):
    assert run("calendar", "off", "2026-12-31", "--note", "Nghỉ bù", "--as", "chanh-van-phong").exit_code == 0
    listed = run("calendar", "list", "2026", lang="en")
    assert listed.exit_code == 0, listed.output
    out = listed.output
    assert "31/08/2026 Mon  Day off (substituted from 08/22/2026)" in out  # the 2026 National Day bridge
    assert "01/09/2026 Tue  National Day" in out and "17/02/2026 Tue  Lunar New Year" in out
    swaps = out[out.index("Make-up working days:"):out.index("Admin overrides:")]
    assert "22/08/2026 Sat" in swaps
    overrides = out[out.index("Admin overrides:"):]
    assert "31/12/2026 Thu  day_off  chanh-van-phong" in overrides and "Nghỉ bù" in overrides
    assert "Ngày nghỉ lễ:" in run("calendar", "list", "2026").output


def test_remove_and_hostile_input_are_one_line_exit_2(run, sessions):
    run("calendar", "off", "2027-02-11")
    for args, needle in [
        (("calendar", "remove", "11/02/2027"), "YYYY-MM-DD"),
        (("calendar", "remove", "2027-02-30"), "YYYY-MM-DD"),
        (("calendar", "remove", "2027-02-12"), "2027-02-12"),  # no override that day
        (("calendar", "off", "'; DROP TABLE cases; --"), "YYYY-MM-DD"),
        (("calendar", "list", "năm"), "year"),
        (("calendar", "list", "99999"), "2200"),
    ]:
        result = run(*args, lang="en")
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.output, (args, result.output)
    with sessions() as s:
        assert s.get(CalendarOverride, date(2027, 2, 11)) is not None  # nothing lost
    removed = run("calendar", "remove", "2027-02-11", lang="en")
    assert removed.exit_code == 0 and "override removed" in removed.output
    with sessions() as s:
        assert s.scalar(select(CalendarOverride)) is None
    again = run("calendar", "remove", "2027-02-11", lang="en")
    assert again.exit_code == 2 and len(again.output.strip().splitlines()) == 1


def test_refresh_reports_no_change_when_nothing_changed(run):
    first = run("calendar", "refresh", lang="en")
    assert first.exit_code == 0 and "0 calendar changes" in first.output


def test_the_admin_page_lists_the_year_and_asks_before_removing(browser, world, service, sessions, clock):
    from datetime import datetime

    from engine.services import calendar_changes

    from .conftest import HCM

    clock.set(datetime(2027, 2, 3, 9, tzinfo=HCM))
    case = world.new_case()
    calendar_changes.change_override(service, date(2027, 2, 11), "day_off", "Nghỉ thêm", actor="admin")
    page = browser("admin")
    html = page.get("/admin?year=2027").text
    assert "Lịch năm 2027" in html and "06/02/2027 — Lunar New Year" in html
    assert "11/02/2027" in html and "Người thêm: admin" in html
    # The recomputation is in the case's history, with its label.
    history = page.get(f"/cases/{case.code}").text
    assert "Tính lại hạn xử lý theo lịch mới" in history
    html = page.get("/admin?year=2026").text
    assert "31/08/2026 — Day off (substituted from 08/22/2026)" in html and "22/08/2026" in html

    before = counts(sessions)
    asked = page.post("/admin/calendar/remove", {"day": "2027-02-11"}, token_from="/admin")
    assert asked.status_code == 200 and "Bỏ điều chỉnh ngày 11/02/2027?" in asked.text
    assert "Hạn của 1 ý kiến đang mở sẽ thay đổi" in asked.text and case.code in asked.text
    assert "17:00 ngày 25/02/2027 → 17:00 ngày 24/02/2027" in asked.text  # now, and after the removal
    assert counts(sessions) == before  # asking changes nothing
    with sessions() as s:
        assert s.get(CalendarOverride, date(2027, 2, 11)) is not None
    done = page.post("/admin/calendar/remove", {"day": "2027-02-11", "confirm": "1"}, token_from="/admin")
    assert done.status_code == 303
    assert service.get(world["lead_a"], case.code).due_at == datetime(2027, 2, 24, 17, tzinfo=HCM)
    # It says what it did (it used to say "Đã lưu" of a removal).
    assert "Đã bỏ điều chỉnh ngày 11/02/2027; đã tính lại hạn của 1 ý kiến đang mở." in page.get(
        done.headers["location"]).text
    bad = page.post("/admin/calendar/remove", {"day": "2027-02-11", "confirm": "1"}, token_from="/admin")
    assert bad.status_code == 400 and "2027-02-11" in bad.text  # no such override, said in Vietnamese
    gone = page.post("/admin/calendar/remove", {"day": "2027-02-11"}, token_from="/admin")
    assert gone.status_code == 400 and "Đồng ý bỏ" not in gone.text  # nothing to confirm
    for hostile in ({"day": "mai"}, {"day": "2027-13-01", "confirm": "1"}, {"day": "<script>", "confirm": "1"}):
        before = counts(sessions)
        r = page.post("/admin/calendar/remove", hostile, token_from="/admin")
        assert r.status_code == 400 and "không đúng dạng ngày" in r.text and "<script>" not in r.text
        assert counts(sessions) == before
    with sessions() as s:
        assert s.scalar(select(Case.due_at).where(Case.code == case.code)) == datetime(2027, 2, 24, 17, tzinfo=HCM)
