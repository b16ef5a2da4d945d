"""Administration in the browser (issue 15, item 5): every action through its page,
with its refusals — another role gets the 403 page, a forged or replayed form does
nothing (twice), hostile input is refused in Vietnamese with nothing written."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from engine.models import CalendarOverride, Unit, UnitPlacement, User, WebhookSubscription
from engine.models.access import AccessChange
from engine.services.unit_import import MAX_LINES

from .conftest import HCM
from .browser.web import browser, csrf_of, form_values, web_app, web_container  # noqa: F401

HEADER = "code,name,level,parent_code,valid_from,valid_to,successor_code\n"


def _units(sessions) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.execute(select(Unit.code, Unit.name, Unit.level, Unit.path, Unit.valid_to, Unit.successor_id))
        return {r[0]: tuple(r[1:]) for r in rows}


def _preview(page, text: str | bytes, on: str = "2026-07-01"):  # type: ignore[no-untyped-def]
    csrf = page.token("/admin/units")
    body = text if isinstance(text, bytes) else text.encode()
    return page.http.post("/admin/units/import", data={"csrf": csrf, "on": on},
                          files={"file": ("units.csv", body, "text/csv")})


def _hidden(html: str, action: str) -> dict[str, str]:
    return form_values(html, action)


# -- who may -----------------------------------------------------------------------

def test_every_admin_page_is_refused_to_other_roles_with_the_403_page(browser, sessions):
    pages = ["/admin", "/admin/users", "/admin/users/new", "/admin/users/off_a", "/admin/units", "/admin/units/A",
             "/admin/calendar", "/admin/webhooks"]
    for who in ("off_a", "lead_a", "aud_p"):
        page = browser(who)
        for path in pages:
            r = page.get(path)
            assert r.status_code == 403 and "Không được phép" in r.text and "<html" in r.text, (who, path)
        csrf = page.token("/")
        before = _units(sessions)
        for path, data in (("/admin/users/new", {"username": "x1", "role": "admin", "unit": "P"}),
                           ("/admin/units/A", {"name": "Bị đổi", "level": "commune", "parent_code": "P"}),
                           ("/admin/webhooks", {"url": "https://example.org/h", "events": "case.created"}),
                           ("/admin/calendar", {"day": "2026-12-30", "kind": "day_off", "confirm": "1"})):
            r = page.post(path, {**data, "nonce": "n" * 40}, csrf=csrf)
            assert r.status_code == 403, (who, path)
        assert _units(sessions) == before
    with sessions() as s:
        assert s.scalar(select(User.id).where(User.username == "x1")) is None
        assert s.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_a_forged_form_is_refused_and_changes_nothing(browser, sessions):
    admin = browser("admin")
    for path, data in (("/admin/users/new", {"username": "x2", "role": "official", "unit": "A", "nonce": "n" * 40}),
                       ("/admin/users/off_a/grant", {"role": "leader", "unit": "A", "nonce": "n" * 40}),
                       ("/admin/units/A", {"name": "Bị đổi", "level": "commune", "parent_code": "P",
                                           "nonce": "n" * 40})):
        assert admin.post(path, data, csrf="not-the-token").status_code == 403
        assert admin.post(path, data, token_from=None).status_code == 403
    with sessions() as s:
        assert s.scalar(select(User.id).where(User.username == "x2")) is None
        assert s.scalar(select(Unit.name).where(Unit.code == "A")) == "Xã A"


# -- users -------------------------------------------------------------------------

def test_users_list_searches_and_pages(browser, sessions):
    admin = browser("admin")
    html = admin.get("/admin/users").text
    assert "9 người dùng." in html and 'href="/admin/users/off_a"' in html and "Lãnh đạo @ Xã A" in html
    found = admin.get("/admin/users", params={"q": "LEAD"}).text
    assert "3 người dùng." in found and "lead_a" in found and "off_a" not in found
    assert "0 người dùng." in admin.get("/admin/users", params={"q": "%_"}).text  # LIKE wildcards are text
    with sessions() as s:
        now = s.scalar(select(User.created_at))
        s.add_all([User(username=f"zz{i:03d}", password_hash="x", created_at=now) for i in range(60)])
        s.commit()
    first = admin.get("/admin/users", params={"q": "zz"}).text
    assert "60 người dùng." in first and ">zz049</a>" in first and ">zz050</a>" not in first
    nxt = re.search(r'href="(/admin/users\?q=zz&amp;after=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = admin.get(nxt).text
    assert ">zz050</a>" in second and ">zz059</a>" in second and ">zz049</a>" not in second
    assert 'rel="next"' not in second


def test_adding_a_user_shows_a_temporary_password_once_and_a_replay_adds_nothing(browser, sessions):
    admin = browser("admin")
    form = admin.get("/admin/users/new").text
    fields = {**_hidden(form, "/admin/users/new"), "username": "can.bo-moi", "full_name": "Trần Thị Mới",
              "email": "moi@xa-a.gov.vn", "language": "vi", "role": "official", "unit": "A1"}
    done = admin.post("/admin/users/new", fields, csrf=fields["csrf"])
    assert done.status_code == 200 and "Đã thêm người dùng can.bo-moi với quyền Cán bộ @ A1." in done.text
    temporary = re.search(r'<code class="secret" id="secret">([^<]+)</code>', done.text).group(1)
    again = admin.post("/admin/users/new", fields, csrf=fields["csrf"])
    assert again.status_code == 200 and "đã được gửi lúc" in again.text and temporary not in again.text
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == "can.bo-moi"))
        assert user.must_change_password and user.full_name == "Trần Thị Mới"
        assert [(g.role, g.unit.code) for g in user.grants] == [("official", "A1")]
        assert s.scalar(select(func.count()).select_from(AccessChange).where(AccessChange.action == "add_user")) == 1
    # The temporary password signs in to the page that replaces it, and nowhere else.
    newcomer = browser()
    r = newcomer.login("can.bo-moi", temporary)
    assert r.status_code == 303
    assert newcomer.get("/cases").headers["location"].startswith("/account/password")


def test_adding_a_user_refuses_hostile_input_in_vietnamese_and_keeps_what_was_typed(browser, sessions):
    admin = browser("admin")
    base = {"username": "nguoi.moi", "full_name": "Lê Văn A", "email": "", "language": "vi", "role": "official",
            "unit": "A"}
    cases = [({"username": "off_a"}, "đã có người dùng"),
             ({"username": "tên có dấu"}, "chỉ gồm chữ, số"),
             ({"username": "x" * 65}, "tối đa 64 ký tự"),
             ({"full_name": "Lê\u202eVăn"}, "điều khiển hướng chữ"),
             ({"email": "khong-phai-email"}, "email không đúng dạng"),
             ({"role": "superuser"}, "vai trò “superuser” không có"),
             ({"unit": "KHONG-CO"}, "KHONG-CO"),
             ({"language": "fr"}, "ngôn ngữ"),
             ({"full_name": "<script>alert(1)</script>"}, None)]
    for change, said in cases:
        form = admin.get("/admin/users/new").text
        fields = {**_hidden(form, "/admin/users/new"), **base, **change}
        r = admin.post("/admin/users/new", fields, csrf=fields["csrf"])
        if said is None:  # markup is just a name, shown escaped
            assert r.status_code == 200 and "<script>alert(1)" not in r.text
            continue
        assert r.status_code == 400 and said in r.text, (change, r.text[-3000:])
        assert f'value="{fields["username"][:10]}' in r.text  # what was typed stays
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 10
    bad_nonce = {**base, "username": "khac", "nonce": "ngắn"}
    assert admin.post("/admin/users/new", bad_nonce, token_from="/admin/users/new").status_code == 400


def test_grants_are_added_and_removed_from_the_users_page(browser, sessions):
    admin = browser("admin")
    page = admin.get("/admin/users/off_b").text
    fields = {**_hidden(page, "/admin/users/off_b/grant"), "role": "leader", "unit": "B1"}
    done = admin.post("/admin/users/off_b/grant", fields, csrf=fields["csrf"])
    assert done.status_code == 200 and "Đã cấp quyền Lãnh đạo @ B1 cho off_b." in done.text
    assert "đã được gửi lúc" in admin.post("/admin/users/off_b/grant", fields, csrf=fields["csrf"]).text
    held = admin.post("/admin/users/off_b/grant", {**fields, "nonce": "m" * 40}, csrf=fields["csrf"])
    assert held.status_code == 400 and "đã có quyền này" in held.text
    page = admin.get("/admin/users/off_b").text
    assert "Lãnh đạo @ Ấp B1" in page
    link = "/admin/access?action=revoke_grant&amp;username=off_b&amp;role=leader&amp;unit=B1"
    assert link in page
    confirm = admin.get(link.replace("&amp;", "&")).text
    values = form_values(confirm, "/admin/access")
    assert admin.post("/admin/access", values, csrf=values["csrf"]).status_code == 200
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == "off_b"))
        assert [(g.role, g.unit.code) for g in user.grants] == [("official", "B")]
    assert admin.get("/admin/users/nobody").status_code == 404


# -- units -------------------------------------------------------------------------

def test_a_units_import_previews_what_changes_and_writes_only_when_confirmed(browser, sessions):
    admin = browser("admin")
    before = _units(sessions)
    text = (HEADER + "A3,Ấp A3,village,A,,,\n"  # new
            "A2,Ấp A2 (mới),village,A,,,\n"  # changed name
            "B1,Ấp B1,village,A,,,\n"  # re-parented under A
            "A1,Ấp A1,village,A,,2026-07-01,A\n"  # ends into a successor
            "A-KT,Phòng Kinh tế xã A,department,A,,,\n")  # unchanged
    r = _preview(admin, text)
    assert r.status_code == 200, r.text[-2000:]
    assert "1 đơn vị mới, 2 đơn vị thay đổi, 1 đơn vị hết hiệu lực chuyển cho đơn vị kế thừa, 1 đơn vị không đổi" \
        in r.text
    assert "Đổi đơn vị cấp trên: B1." in r.text and "Đơn vị cấp trên" in r.text
    assert _units(sessions) == before  # a preview writes nothing
    fields = _hidden(r.text, "/admin/units/import/confirm")
    done = admin.post("/admin/units/import/confirm", fields, csrf=fields["csrf"])
    assert done.status_code == 303
    assert "Đã nhập: 1 đơn vị mới, 2 đơn vị thay đổi, 1 đơn vị chuyển cho đơn vị kế thừa, 1 đơn vị đổi đơn vị cấp trên" \
        in admin.get(done.headers["location"]).text
    after = _units(sessions)
    assert after["A3"][0] == "Ấp A3" and after["A2"][0] == "Ấp A2 (mới)"
    assert after["B1"][2].startswith(after["A"][2]) and after["A1"][3] == date(2026, 7, 1)
    with sessions() as s:
        placements = s.scalar(select(func.count()).select_from(UnitPlacement))
    # The same form again does nothing more (and says where it went the first time).
    again = admin.post("/admin/units/import/confirm", fields, csrf=fields["csrf"])
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    assert _units(sessions) == after
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(UnitPlacement)) == placements


def test_a_hostile_units_file_lists_every_problem_by_line_and_writes_nothing(browser, sessions):
    admin = browser("admin")
    before = _units(sessions)
    text = (HEADER + "X1,=HYPERLINK(\"http://evil\"),village,A,,,\n"
            "X2,Ấp\u202eX2,village,A,,,\n"
            "X3,Ấp X3,hamlet,A,,,\n"
            "X4,Ấp X4,village,KHONG-CO,,,\n"
            "X5,Ấp X5,village,A,01/07/2026,,\n"
            "X6,Ấp X6,village,A,,,\n"
            "X6,Ấp X6 lần hai,village,A,,,\n"
            ",Không mã,village,A,,,\n"
            "X7,Ấp X7,village,A,,,MA-LA\n")
    r = _preview(admin, text)
    assert r.status_code == 400 and "chưa có gì được ghi" in r.text.lower()
    rows = re.findall(r'<td data-label="Dòng">([^<]+)</td>\s*<td data-label="Cột">([^<]+)</td>\s*'
                      r'<td data-label="Lỗi">([^<]+)</td>', r.text)
    by_line = {(line, column): problem for line, column, problem in rows}
    assert "công thức" in by_line[("2", "Tên")]
    assert "điều khiển hướng chữ U+202E" in by_line[("3", "Tên")]
    assert "cấp “hamlet” không có" in by_line[("4", "Cấp")] and "village (Thôn" in by_line[("4", "Cấp")]
    assert "“KHONG-CO” không có trong tệp và hệ thống" in by_line[("5", "Đơn vị cấp trên")]
    assert "YYYY-MM-DD" in by_line[("6", "Hiệu lực từ")]
    assert "đã có ở dòng 7" in by_line[("8", "Mã")]
    assert "trống" in by_line[("9", "Mã")]
    assert "“MA-LA” không có" in by_line[("10", "Đơn vị kế thừa")]
    assert 'action="/admin/units/import/confirm"' not in r.text  # nothing to confirm
    assert "HYPERLINK(&#34;http" in r.text or "HYPERLINK" not in r.text
    assert _units(sessions) == before


def test_wrong_encoding_huge_files_and_a_tampered_confirmation_are_refused(browser, sessions):
    admin = browser("admin")
    before = _units(sessions)
    latin = (HEADER + "X1,Ấp Mới,village,A,,,\n").encode("utf-16")
    r = _preview(admin, latin)
    assert r.status_code == 400 and "không phải bảng mã UTF-8" in r.text
    cp1258 = (HEADER + "X1,Ap Moi \xe2,village,A,,,\n").encode("cp1258")
    assert "không phải bảng mã UTF-8" in _preview(admin, cp1258).text
    big = HEADER + "".join(f"Y{i},Ấp {i},village,A,,,\n" for i in range(10_000))
    r = _preview(admin, big)
    assert r.status_code == 400 and f"hơn {MAX_LINES:,}".replace(",", ".") in r.text
    assert "Đơn vị kế thừa" not in r.text.split("Lỗi theo từng dòng")[0][-200:]
    assert _preview(admin, "").status_code == 400
    assert _preview(admin, "name,level\nX,village\n").status_code == 400
    # A cycle only the whole tree shows: refused by the engine's import, nothing kept.
    r = _preview(admin, HEADER + "P,Tỉnh P,province,A1,,,\n")
    assert r.status_code == 400 and "vòng lặp" in r.text
    # A confirmation whose text was changed after the preview is checked again.
    ok = _preview(admin, HEADER + "X9,Ấp X9,village,A,,,\n")
    fields = _hidden(ok.text, "/admin/units/import/confirm")
    fields["text"] = HEADER + "X9,=1+1,village,A,,,\n"
    r = admin.post("/admin/units/import/confirm", fields, csrf=fields["csrf"])
    assert r.status_code == 400 and "công thức" in r.text
    assert _units(sessions) == before


def test_editing_a_unit_and_setting_a_successor_ask_and_say_what_they_did(browser, sessions, world):
    admin = browser("admin")
    page = admin.get("/admin/units/A2").text
    fields = {**_hidden(page, "/admin/units/A2"), "name": "Ấp A2 Mới", "level": "village", "parent_code": "A",
              "valid_from": "", "valid_to": ""}
    done = admin.post("/admin/units/A2", fields, csrf=fields["csrf"])
    assert done.status_code == 303 and "Đã lưu đơn vị A2." in admin.get(done.headers["location"]).text
    for bad, said in (({"name": "=cmd|' /C calc'!A0"}, "công thức"), ({"level": "xóm"}, "cấp “xóm” không có"),
                      ({"parent_code": "A2"}, "Đơn vị cấp trên: cây đơn vị bị vòng lặp"), ({"valid_from": "2026-02-30"}, "YYYY-MM-DD")):
        r = admin.post("/admin/units/A2", {**fields, **bad, "nonce": "q" * 40}, csrf=fields["csrf"])
        assert r.status_code == 400 and said in r.text, (bad, r.text[-1500:])
    assert _units(sessions)["A2"][0] == "Ấp A2 Mới"
    world.new_case("off_b", unit="B1")
    csrf = csrf_of(admin.get("/admin/units/B1").text)
    late = admin.post("/admin/units/B1/successor", {"into": "A", "on": "2026-07-01"}, csrf=csrf)
    assert late.status_code == 400 and "1 ý kiến đã được tiếp nhận tại “B1” từ 01/07/2026" in late.text
    asked = admin.post("/admin/units/B1/successor", {"into": "A", "on": "2026-12-01"}, csrf=csrf)
    assert asked.status_code == 200 and "Ấp B1 sẽ hết hiệu lực từ 01/12/2026; Xã A kế thừa." in asked.text
    assert "1 ý kiến đang mở sẽ do Xã A theo dõi." in asked.text
    assert _units(sessions)["B1"][4] is None  # asking wrote nothing
    values = form_values(asked.text, "/admin/units/B1/successor")
    done = admin.post("/admin/units/B1/successor", values, csrf=values["csrf"])
    assert done.status_code == 303
    b1, a = _units(sessions)["B1"], _units(sessions)["A"]
    assert b1[3] == date(2026, 12, 1)
    with sessions() as s:
        assert s.scalar(select(Unit.successor_id).where(Unit.code == "B1")) == s.scalar(
            select(Unit.id).where(Unit.code == "A"))
    assert admin.post("/admin/units/B1/successor", values, csrf=values["csrf"]).status_code == 303  # replay
    into_self = admin.post("/admin/units/B/successor", {"into": "B", "on": "2026-12-01"}, csrf=csrf)
    assert into_self.status_code == 400 and "chính nó" in into_self.text
    assert admin.get("/admin/units/KHONG-CO").status_code == 404


# -- calendar ----------------------------------------------------------------------

def test_the_calendar_page_opens_by_get_and_asks_before_adding(browser, sessions, world, service):
    admin = browser("admin")
    page = admin.get("/admin/calendar")
    assert page.status_code == 200 and "Ngày nghỉ lễ" in page.text and 'aria-current="page">Lịch làm việc' in page.text
    case = world.new_case()
    # A working day before the case's deadline: making it a day off moves the deadline.
    day = (case.due_at - timedelta(days=1)).astimezone(HCM).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    asked = admin.post("/admin/calendar", {"day": day.isoformat(), "kind": "day_off", "note": "Nghỉ"},
                       token_from="/admin/calendar")
    assert asked.status_code == 200 and f"Đặt ngày {day:%d/%m/%Y} là: Nghỉ?" in asked.text
    assert "Hạn của 1 ý kiến đang mở sẽ thay đổi" in asked.text and case.code in asked.text
    with sessions() as s:
        assert s.scalar(select(CalendarOverride)) is None
    values = form_values(asked.text, "/admin/calendar")
    done = admin.post("/admin/calendar", values, csrf=values["csrf"])
    assert done.status_code == 303
    assert f"Đã lưu điều chỉnh ngày {day:%d/%m/%Y}; đã tính lại hạn của 1 ý kiến đang mở." in admin.get(
        done.headers["location"]).text
    moved = service.get(world["lead_a"], case.code).due_at
    assert moved > case.due_at
    # The same confirmation again: the day already is a day off, so nothing moves again.
    replay = admin.post("/admin/calendar", values, csrf=values["csrf"])
    assert replay.status_code == 303 and "moved=0" in replay.headers["location"]
    assert service.get(world["lead_a"], case.code).due_at == moved
    hidden = admin.post("/admin/calendar", {"day": "2026-12-30", "kind": "day_off", "note": "a\u202eb",
                                            "confirm": "1"}, token_from="/admin/calendar")
    assert hidden.status_code == 400 and "điều khiển hướng chữ" in hidden.text
    with sessions() as s:
        assert [o.day for o in s.scalars(select(CalendarOverride))] == [day]


# -- webhooks ----------------------------------------------------------------------

def test_webhooks_are_added_with_the_address_policys_message_and_removed_after_asking(browser, sessions):
    admin = browser("admin")
    page = admin.get("/admin/webhooks").text
    assert "Chưa có webhook nào." in page
    base = {**_hidden(page, "/admin/webhooks")}
    refused = admin.post("/admin/webhooks", [*base.items(), ("url", "http://127.0.0.1:8080/x"),
                                             ("events", "case.created")], csrf=None, token_from=None)
    assert refused.status_code == 400 and "127.0.0.1" in refused.text
    assert "Trường “Địa chỉ nhận” không hợp lệ" in refused.text  # the field's label, not its code
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookSubscription)) == 0
    no_event = admin.post("/admin/webhooks", [*base.items(), ("url", "https://hooks.example.org/n")], token_from=None)
    assert no_event.status_code == 400 and "ít nhất một loại sự kiện" in no_event.text
    fields = [*base.items(), ("url", "https://hooks.example.org/n"), ("events", "case.created"),
              ("events", "deadline.overdue"), ("description", "Cổng dịch vụ công")]
    done = admin.post("/admin/webhooks", fields, token_from=None)
    assert done.status_code == 200 and "Đã thêm webhook #1 gửi tới https://hooks.example.org/n." in done.text
    secret = re.search(r'id="secret">([^<]+)<', done.text).group(1)
    again = admin.post("/admin/webhooks", fields, token_from=None)
    assert again.status_code == 303 and secret not in again.text
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookSubscription)) == 1
    listing = admin.get("/admin/webhooks").text
    assert "Ý kiến mới, Quá hạn" in listing and secret not in listing
    asked = admin.post("/admin/webhooks/1/remove", {}, token_from="/admin/webhooks")
    assert asked.status_code == 200 and "Gỡ webhook #1?" in asked.text
    with sessions() as s:
        assert s.scalar(select(WebhookSubscription.active)) is True
    values = form_values(asked.text, "/admin/webhooks/1/remove")
    removed = admin.post("/admin/webhooks/1/remove", values, csrf=values["csrf"])
    assert removed.status_code == 303
    assert "Đã gỡ webhook #1; 0 lần gửi còn chờ đã bị hủy." in admin.get(removed.headers["location"]).text
    assert admin.post("/admin/webhooks/1/remove", values, csrf=values["csrf"]).status_code == 303  # replay: no error
    assert admin.post("/admin/webhooks/1/remove", {}, token_from="/admin/webhooks").status_code == 404
    assert admin.post("/admin/webhooks/x/remove", {}, token_from="/admin/webhooks").status_code == 404


def test_the_admin_pages_show_no_citizen_data(browser, world):
    """They are not in the cross-surface privacy test because they show none: the
    calendar's confirmation names cases by code only."""
    case = world.new_case(citizen_name="Nguyễn Thị Bí Mật", citizen_phone="0912345678")
    admin = browser("admin")
    day = (case.due_at - timedelta(days=1)).astimezone(HCM).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    asked = admin.post("/admin/calendar", {"day": day.isoformat(), "kind": "day_off"}, token_from="/admin/calendar")
    pages = [asked.text] + [admin.get(p).text for p in ("/admin", "/admin/users", "/admin/users/off_a",
                                                        "/admin/units", "/admin/units/A1", "/admin/calendar",
                                                        "/admin/webhooks")]
    assert case.code in asked.text
    for html in pages:
        assert "Bí Mật" not in html and "0912345678" not in html and "345678" not in html
