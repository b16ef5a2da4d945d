"""Access taken away at once: deactivation, a removed grant, a password change or
reset end the user's sessions and stop their tokens on the next request; every
change is recorded, and hostile or replayed requests change nothing."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from engine.models import User
from engine.models.access import AccessChange
from engine.services.access import TEMPORARY_LENGTH

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401
from .browser.web import browser, csrf_of, form_values, web_app, web_container  # noqa: F401
from .world import PASSWORD


def _changes(sessions) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return [(r.by_name, r.action, r.username, r.detail) for r in s.scalars(select(AccessChange)
                                                                                .order_by(AccessChange.id))]


def _confirm(admin, **query: str):  # type: ignore[no-untyped-def]
    """Open the confirmation page of an action and return its form's fields."""
    page = admin.get("/admin/access", params=query)
    assert page.status_code == 200, page.text
    return form_values(page.text, "/admin/access")


def _me(api, token):  # type: ignore[no-untyped-def]
    return api.get("/api/v1/me", headers=bearer(token))


def test_deactivation_ends_the_open_session_and_refuses_the_token(browser, api, tokens, sessions, run):
    victim, admin = browser("off_a"), browser("admin")
    assert victim.get("/").status_code == 200 and _me(api, tokens["off_a"]).status_code == 200
    listing = admin.get("/admin").text
    assert "/admin/access?action=deactivate&amp;username=off_a" in listing
    fields = _confirm(admin, action="deactivate", username="off_a")
    assert set(fields) == {"csrf", "nonce", "action", "username"} and fields["username"] == "off_a"
    done = admin.post("/admin/access", fields, csrf=fields["csrf"])
    assert done.status_code == 200 and "Đã thực hiện “Khóa tài khoản” cho off_a: 1 phiên" in done.text
    assert "1 mã API đã thu hồi" in done.text
    # The very next request of the open browser and of the token is refused.
    assert victim.get("/").status_code == 303
    assert _me(api, tokens["off_a"]).status_code == 401
    assert browser().login("off_a").status_code == 401
    assert _changes(sessions) == [("admin", "deactivate", "off_a", "1 session(s) ended, 1 token(s) revoked")]
    # Reactivation lets them sign in again; the revoked token stays revoked.
    back = run("users", "reactivate", "off_a", lang="en")
    assert back.exit_code == 0 and back.output.startswith("off_a: reactivate at "), back.output
    assert browser().login("off_a").status_code == 303
    assert _me(api, tokens["off_a"]).status_code == 401
    assert _changes(sessions)[-1][1:] == ("reactivate", "off_a", "")
    assert _changes(sessions)[-1][0].startswith("cli")


def test_a_password_change_revokes_the_users_tokens(browser, api, tokens, sessions):
    page = browser("off_a")
    assert _me(api, tokens["off_a"]).status_code == 200
    changed = page.post("/account/password", {"current": PASSWORD, "new": "mật khẩu mới 2026",
                                              "repeat": "mật khẩu mới 2026"}, csrf=csrf_of(page.get("/").text))
    assert changed.status_code == 303
    assert _me(api, tokens["off_a"]).status_code == 401
    assert _me(api, tokens["off_b"]).status_code == 200  # nobody else's
    assert _changes(sessions) == [("off_a", "change_password", "off_a", "1 session(s) ended, 1 token(s) revoked")]


def test_a_removed_grant_is_refused_on_the_next_request(browser, api, tokens, run, world, sessions):
    assert run("users", "grant", "lead_a", "--role", "official", "--unit", "B").exit_code == 0
    case = world.new_case(unit="A1")
    page = browser("lead_a")
    assert page.get(f"/cases/{case.code}").status_code == 200
    assert api.get(f"/api/v1/cases/{case.code}", headers=bearer(tokens["lead_a"])).status_code == 200
    removed = run("users", "revoke-grant", "lead_a", "--role", "leader", "--unit", "A", lang="en")
    assert removed.exit_code == 0 and "leader @ A, 1 session(s) ended" in removed.output, removed.output
    assert page.get(f"/cases/{case.code}").status_code == 303  # signed out
    # The token still works for what is left, and no longer for the case in A.
    me = _me(api, tokens["lead_a"])
    assert me.status_code == 200 and me.json()["grants"] == [{"role": "official", "unit": "B"}]
    assert api.get(f"/api/v1/cases/{case.code}", headers=bearer(tokens["lead_a"])).status_code == 404
    relogged = browser("lead_a")
    assert relogged.get(f"/cases/{case.code}").status_code == 404
    assert [c[1:4] for c in _changes(sessions)] == [("grant", "lead_a", "official @ B"),
                                                    ("revoke_grant", "lead_a", "leader @ A, 1 session(s) ended")]
    twice = run("users", "grant", "lead_a", "--role", "official", "--unit", "B", lang="en")
    assert twice.exit_code == 2 and "already holds this grant" in twice.output
    assert len(_changes(sessions)) == 2


def test_a_reset_password_must_be_changed_at_the_next_sign_in(browser, api, tokens, run, sessions, caplog):
    caplog.set_level(logging.DEBUG)
    open_page = browser("off_a")
    reset = run("users", "reset-password", "off_a", lang="en")
    assert reset.exit_code == 0, reset.output
    temporary = reset.stdout.strip()
    assert re.fullmatch(rf"[A-Za-z2-9]{{{TEMPORARY_LENGTH}}}", temporary)
    assert open_page.get("/").status_code == 303 and _me(api, tokens["off_a"]).status_code == 401
    assert browser().login("off_a").status_code == 401  # the old password is gone
    page = browser()
    assert page.login("off_a", temporary).status_code == 303
    for path in ("/", "/cases", "/admin", "/inbox"):
        r = page.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/account/password?required=1", path
    form = page.get("/account/password?required=1")
    assert form.status_code == 200 and "Mật khẩu của bạn vừa được đặt lại" in form.text
    mine = "của tôi từ nay"
    changed = page.post("/account/password", {"current": temporary, "new": mine, "repeat": mine},
                        csrf=csrf_of(form.text))
    assert changed.status_code == 303
    assert page.get("/").status_code == 200
    with sessions() as s:
        assert s.scalar(select(User.must_change_password).where(User.username == "off_a")) is False
        dump = " ".join(str(v) for row in s.execute(text("SELECT * FROM access_changes")) for v in row)
    assert [c[1] for c in _changes(sessions)] == ["reset_password", "change_password"]
    assert temporary not in dump and temporary not in caplog.text and mine not in caplog.text


def test_the_admin_page_resets_once_and_shows_the_temporary_password_once(browser, sessions):
    admin = browser("admin")
    asked = admin.get("/admin/access", params={"action": "reset_password", "username": "off_b"}).text
    assert "mật khẩu tạm (dùng được 3 ngày)" in asked
    fields = _confirm(admin, action="reset_password", username="off_b")
    first = admin.post("/admin/access", fields, csrf=fields["csrf"])
    assert first.status_code == 200
    temporary = re.search(r'<code class="secret">([^<]+)</code>', first.text).group(1)
    with sessions() as s:
        hashed = s.scalar(select(User.password_hash).where(User.username == "off_b"))
    # The same form again (a reload, a double click, a replay): nothing changes again.
    again = admin.post("/admin/access", fields, csrf=fields["csrf"])
    assert again.status_code == 200 and "đã được gửi lúc" in again.text and 'class="secret"' not in again.text
    with sessions() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "off_b")) == hashed
    assert len(_changes(sessions)) == 1
    assert browser().login("off_b", temporary).status_code == 303
    log = admin.get("/admin").text
    assert "Nhật ký thay đổi quyền truy cập" in log and "Đặt lại mật khẩu" in log and temporary not in log


def test_the_log_lists_each_change_newest_first(run, world, sessions):
    added = run("users", "add", "newbie", "--role", "official", "--unit", "A", "--password-stdin",
                input="bí mật của newbie\n")
    assert added.exit_code == 0, added.output
    for args in (("deactivate", "off_a"), ("reactivate", "off_a"), ("revoke-grant", "off_b", "--role", "official",
                                                                     "--unit", "B"), ("reset-password", "lead_b")):
        assert run("users", *args).exit_code == 0
    shown = run("users", "log", lang="en")
    assert shown.exit_code == 0
    lines = [line.split("\t") for line in shown.output.strip().splitlines()]
    assert [(line[2], line[3]) for line in lines] == [("reset_password", "lead_b"), ("revoke_grant", "off_b"),
                                                      ("reactivate", "off_a"), ("deactivate", "off_a"),
                                                      ("add_user", "newbie")]
    assert lines[-1][4] == "official @ A" and "bí mật" not in shown.output
    assert all(line[1].startswith("cli") for line in lines)
    only = run("users", "log", "--user", "off_a").output.strip().splitlines()
    assert len(only) == 2


def test_the_record_is_append_only(container, world, run, sessions):
    assert run("users", "deactivate", "off_a").exit_code == 0
    with sessions() as s:
        row = s.scalar(select(AccessChange))
        row.detail = "nothing happened"
        with pytest.raises(ValueError, match="append-only"):
            s.flush()
    for statement in (update(AccessChange).values(detail="x"), AccessChange.__table__.delete()):
        with container.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(statement)
    assert len(_changes(sessions)) == 1


# -------------------------------------------------------------- hostile requests

def test_an_unknown_user_is_a_clear_refusal_everywhere(browser, run, sessions):
    for args in (("deactivate", "ghost"), ("reactivate", "ghost"), ("reset-password", "ghost"),
                 ("revoke-grant", "ghost", "--role", "leader", "--unit", "A")):
        refused = run("users", *args)
        assert refused.exit_code == 2 and refused.output == "lỗi: Không tìm thấy người dùng / user “ghost”.\n", args
    missing_grant = run("users", "revoke-grant", "off_a", "--role", "leader", "--unit", "A", lang="en")
    assert missing_grant.exit_code == 2 and "No quyền / grant “leader @ A”" in missing_grant.output
    admin = browser("admin")
    page = admin.get("/admin/access", params={"action": "deactivate", "username": "ghost"})
    assert page.status_code == 404 and "Không có người dùng “ghost”." in page.text
    forged = admin.post("/admin/access", {"action": "deactivate", "username": "ghost", "nonce": "n" * 43},
                        csrf=csrf_of(admin.get("/admin").text))
    assert forged.status_code == 400 and "ghost" in forged.text
    bad = admin.post("/admin/access", {"action": "delete_everything", "username": "off_a", "nonce": "n" * 43},
                     csrf=csrf_of(admin.get("/admin").text))
    assert bad.status_code == 400
    assert _changes(sessions) == []


def test_only_an_admin_may_change_access(browser, api, tokens, sessions):
    lead = browser("lead_a")
    assert lead.get("/admin/access", params={"action": "deactivate", "username": "off_a"}).status_code == 403
    r = lead.post("/admin/access", {"action": "deactivate", "username": "off_a", "nonce": "n" * 43},
                  csrf=csrf_of(lead.get("/").text))
    assert r.status_code == 403
    assert _changes(sessions) == [] and _me(api, tokens["off_a"]).status_code == 200


def test_a_form_without_its_csrf_token_or_nonce_changes_nothing(browser, api, tokens, sessions):
    admin = browser("admin")
    fields = _confirm(admin, action="deactivate", username="off_a")
    no_csrf = admin.post("/admin/access", {k: v for k, v in fields.items() if k != "csrf"}, token_from=None)
    wrong_csrf = admin.post("/admin/access", fields, csrf=fields["csrf"][:-4] + "AAAA")
    no_nonce = admin.post("/admin/access", {k: v for k, v in fields.items() if k != "nonce"}, csrf=fields["csrf"])
    assert (no_csrf.status_code, wrong_csrf.status_code, no_nonce.status_code) == (403, 403, 400)
    assert _changes(sessions) == [] and _me(api, tokens["off_a"]).status_code == 200


def test_a_replayed_deactivation_is_done_once(browser, sessions):
    admin = browser("admin")
    fields = _confirm(admin, action="deactivate", username="off_a")
    for _ in range(3):
        assert admin.post("/admin/access", fields, csrf=fields["csrf"]).status_code == 200
    assert [c[1] for c in _changes(sessions)] == ["deactivate"]
    # A fresh confirmation for the same user is refused in words, not done twice.
    again = _confirm(admin, action="deactivate", username="off_a")
    refused = admin.post("/admin/access", again, csrf=again["csrf"])
    assert refused.status_code == 400 and "người dùng đã bị khóa" in refused.text
    assert len(_changes(sessions)) == 1


def test_an_admin_cannot_deactivate_themselves(browser, sessions):
    admin = browser("admin")
    assert "action=deactivate&amp;username=admin" not in admin.get("/admin").text
    fields = _confirm(admin, action="deactivate", username="admin")
    refused = admin.post("/admin/access", fields, csrf=fields["csrf"])
    assert refused.status_code == 400 and "không thể tự khóa" in refused.text
    assert admin.get("/admin").status_code == 200 and _changes(sessions) == []


def test_one_form_submitted_many_times_at_once_makes_one_change(container, world, sessions):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    start = Barrier(8)

    def submit(_: int):  # type: ignore[no-untyped-def]
        start.wait()
        return container.access.deactivate(world["admin"], "off_a", key="k" * 43)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(submit, range(8)))
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert [c[1:3] for c in _changes(sessions)] == [("deactivate", "off_a")]


def test_two_admins_deactivating_one_user_at_once_make_one_change(container, world, sessions):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from engine.errors import InvalidField

    start = Barrier(6)

    def submit(i: int) -> str:
        start.wait()
        try:
            container.access.deactivate(world["admin"], "off_a", key=f"{i}" * 43)
        except InvalidField:
            return "refused"
        return "done"

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(submit, range(6)))
    assert outcomes == ["done"] + ["refused"] * 5
    assert len(_changes(sessions)) == 1


def test_the_pages_speak_english_too(browser, sessions):
    admin = browser("admin")
    switched = admin.post("/lang", {"lang": "en", "next": "/admin"}, csrf=csrf_of(admin.get("/admin").text))
    assert switched.status_code == 303
    fields = _confirm(admin, action="revoke_grant", username="off_b", role="official", unit="B")
    page = admin.get("/admin/access", params={"action": "revoke_grant", "username": "off_b", "role": "official",
                                               "unit": "B"}).text
    assert "off_b loses Official @ B from their next request" in page  # the role by its label, not its code
    done = admin.post("/admin/access", fields, csrf=fields["csrf"])
    assert "Done “Remove grant” for off_b: 0 session(s) ended; API tokens keep the other grants." in done.text
    listing = admin.get("/admin").text
    assert "Changes of access" in listing and "Remove grant" in listing and "official @ B, 0 session(s) ended" in listing


def test_a_temporary_password_expires(browser, clock, sessions):
    from engine.services.access import TEMPORARY_VALID

    admin = browser("admin")
    fields = _confirm(admin, action="reset_password", username="off_b")
    shown = admin.post("/admin/access", fields, csrf=fields["csrf"]).text
    temporary = re.search(r'<code class="secret">([^<]+)</code>', shown).group(1)
    clock.advance(TEMPORARY_VALID)
    assert browser().login("off_b", temporary).status_code == 401
    admin = browser("admin")  # days later: a new session
    again = _confirm(admin, action="reset_password", username="off_b")
    fresh = re.search(r'<code class="secret">([^<]+)</code>',
                      admin.post("/admin/access", again, csrf=again["csrf"]).text).group(1)
    clock.advance(TEMPORARY_VALID - timedelta(minutes=1))
    page = browser()
    assert page.login("off_b", fresh).status_code == 303
    form = page.get("/account/password?required=1")
    assert page.post("/account/password", {"current": fresh, "new": "mới hẳn rồi nhé", "repeat": "mới hẳn rồi nhé"},
                     csrf=csrf_of(form.text)).status_code == 303
    clock.advance(timedelta(days=30))  # one's own password does not expire
    assert browser().login("off_b", "mới hẳn rồi nhé").status_code == 303
    with sessions() as s:
        assert s.scalar(select(User.temporary_until).where(User.username == "off_b")) is None
