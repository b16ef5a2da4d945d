"""Every surface, read by every role: what each sees of a citizen.

A denunciation (tố cáo) and an ordinary opinion, both raised in commune A and
escalated once, to the provincial department P-SO, so the origin commune no longer
handles them. Each is read through the API (case, events, audit history), the case
page, its history downloads, the Front's exports, the reports, Open311, the public
tracking page, and the emails and webhooks the escalation sends. The expectation
table is the rule of ``engine.disclosure`` written out by hand.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient

from engine.disclosure import mask_name, mask_phone
from engine.models import RoleGrant, User
from engine.services import directory
from engine.services.tokens import issue_token
from engine.uow import UnitOfWork
from notifications import run_once

from .browser.web import browser, web_app, web_container  # noqa: F401
from .test_notify_support import (all_text, give_emails, notify_settings, rng, smtp_server,  # noqa: F401
                                  webhook_server)
from .test_webhook_delivery import _subscribe
from .world import _password_hash

PLAIN = ("Nguyễn Văn Dân", "0901234567", "Số 5 đường Lê Lợi, ấp A1")
DENOUNCER = ("Trần Thị Tố Giác", "0912888999", "Số 9 hẻm 3, ấp A2")
ROLES = ("off_a", "lead_a", "off_so", "lead_so", "aud_p", "admin", "off_b")

# What each role sees of each citizen inside the application (API case, case page).
IN_APP = {
    "plain": {"off_a": "full", "lead_a": "full", "off_so": "full", "lead_so": "full", "aud_p": "masked",
              "admin": "masked", "off_b": None},
    # Only the leaders over the unit now handling the denunciation (not the origin's).
    "to_cao": {"off_a": "withheld", "lead_a": "withheld", "off_so": "withheld", "lead_so": "full",
               "aud_p": "withheld", "admin": "withheld", "off_b": None},
}
# The Front's exports (leaders, auditors, admins): masked at most, a denouncer never.
EXPORTED = {"plain": "masked", "to_cao": "none"}


def seen(blob: str, who: tuple[str, str, str]) -> str:
    """How much of ``who`` a text reveals: full, masked or none."""
    name, phone, address = who
    if name in blob or phone in blob or address in blob or phone[-7:] in blob:
        return "full"
    if mask_name(name) in blob or mask_phone(phone) in blob:
        return "masked"
    return "none"


def legacy_digest(who: tuple[str, str, str]) -> str:
    return hashlib.sha256("|".join(who).encode()).hexdigest()


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


@pytest.fixture
def scene(world, service, sessions, clock, web_container):
    with UnitOfWork(sessions) as uow:
        user = User(username="lead_so", password_hash=_password_hash(), created_at=clock.now())
        uow.session.add(user)
        uow.session.flush()
        uow.session.add(RoleGrant(user_id=user.id, role="leader", unit_id=directory.unit_by_code(uow.session, "P-SO").id))
        uow.commit()
    plain = world.new_case("off_a", "A1", citizen_name=PLAIN[0], citizen_phone=PLAIN[1], citizen_address=PLAIN[2])
    den = world.new_case("off_a", "A2", kind="to_cao", topic="an_ninh_trat_tu", content="Tố cáo thu tiền sai quy định",
                         citizen_name=DENOUNCER[0], citizen_phone=DENOUNCER[1], citizen_address=DENOUNCER[2])
    for code in (plain.code, den.code):
        service.fire(world["off_a"], code, "escalate", {"target_unit": "P-SO", "reason": "Thẩm quyền của Sở"})
    tokens = {}
    with UnitOfWork(sessions) as uow:
        for username in ROLES:
            tokens[username] = issue_token(uow.session, username, label="t", now=clock.now())[1]
        uow.commit()
    return {"plain": plain.code, "to_cao": den.code, "tokens": tokens}


def _who(kind: str) -> tuple[str, str, str]:
    return PLAIN if kind == "plain" else DENOUNCER


def _never(blob: str) -> None:
    """What no surface may ever carry: an unsalted digest of either citizen."""
    assert legacy_digest(PLAIN) not in blob and legacy_digest(DENOUNCER) not in blob


def test_the_api_case_gives_each_role_exactly_its_disclosure(scene, web_app):
    with TestClient(web_app) as api:
        for kind in ("plain", "to_cao"):
            code, who = scene[kind], _who(kind)
            for role in ROLES:
                r = api.get(f"/api/v1/cases/{code}", headers={"Authorization": f"Bearer {scene['tokens'][role]}"})
                expected = IN_APP[kind][role]
                if expected is None:
                    assert r.status_code == 404, (kind, role)
                    continue
                body = r.json()
                assert body["citizen_disclosure"] == expected, (kind, role)
                assert body["citizen_withheld"] is (expected == "withheld")
                got = seen(r.text, who)
                assert got == {"withheld": "none"}.get(expected, expected), (kind, role, got)
                if expected == "masked":
                    assert (body["citizen_name"], body["citizen_phone"]) == (mask_name(who[0]), mask_phone(who[1]))
                _never(r.text)
                # The history the API hands out holds no identity, only the salted digest.
                ev = api.get(f"/api/v1/cases/{code}/events", headers={"Authorization": f"Bearer {scene['tokens'][role]}"})
                assert ev.status_code == 200 and seen(ev.text, who) == "none", (kind, role)
                assert ev.json()["chain"]["valid"] is True
                _never(ev.text)
        assert api.get(f"/api/v1/cases/{scene['to_cao']}").status_code == 401


def test_the_case_page_and_its_downloads(scene, browser):
    for role in ROLES:
        page = browser(role)
        for kind in ("plain", "to_cao"):
            code, who, expected = scene[kind], _who(kind), IN_APP[kind][role]
            html = page.get(f"/cases/{code}")
            if expected is None:
                assert html.status_code == 404
                continue
            assert seen(html.text, who) == {"withheld": "none"}.get(expected, expected), (kind, role)
            assert ("Danh tính người tố cáo được giữ bí mật" in html.text) is (expected == "withheld")
            for fmt in ("json", "csv"):
                dl = page.get(f"/cases/{code}/history.{fmt}")
                assert dl.status_code == 200 and seen(dl.text, who) == "none", (kind, role, fmt)
                _never(dl.text)


def test_my_cases_the_board_and_assignee_me_name_no_citizen(scene, browser, service, web_app):
    """The case work's lists (issue 15): "Việc của tôi", the board's who-must-act and
    late-below rows, the API's ``assignee=me``, read by every role."""
    assert service.get(_actor("lead_so", service), scene["plain"]).handling_unit == "P-SO"
    for kind in ("plain", "to_cao"):
        service.assign(_actor("lead_so", service), scene[kind], "assign", "off_so")
    with TestClient(web_app) as api:
        for role in ROLES:
            page = browser(role)
            for path in ("/my-cases", "/"):
                html = page.get(path).text
                for kind in ("plain", "to_cao"):
                    assert seen(html, _who(kind)) == "none", (role, path, kind)
                _never(html)
            mine = page.get("/my-cases").text
            assert (scene["plain"] in mine and scene["to_cao"] in mine) is (role == "off_so"), role
            r = api.get("/api/v1/cases", params={"assignee": "me"},
                        headers={"Authorization": f"Bearer {scene['tokens'][role]}"})
            assert r.status_code == 200 and all(seen(r.text, _who(k)) == "none" for k in ("plain", "to_cao"))
            assert len(r.json()["items"]) == (2 if role == "off_so" else 0), role


def _actor(username: str, service):  # type: ignore[no-untyped-def]
    with service.uow(write=False) as uow:
        return directory.actor_for(uow.session, username)


def test_the_fronts_exports_and_the_reports(scene, browser, web_container):
    for role in ROLES:
        page = browser(role)
        for kind in ("plain", "to_cao"):
            code, who = scene[kind], _who(kind)
            for path in (f"/audit/cases/{code}/export.json", f"/audit/cases/{code}/export.csv",
                         f"/audit/cases/{code}/export.xlsx", f"/audit/cases/{code}"):
                r = page.get(path)
                if role.startswith("off_"):
                    # Officials read reports, not histories (whichever commune: the refusal
                    # is about the role, so it says nothing about the code).
                    assert r.status_code == 403, (path, role)
                    continue
                assert r.status_code == 200, (path, role)
                blob = xlsx_text(r.content) if path.endswith(".xlsx") else r.text
                assert seen(blob, who) == EXPORTED[kind], (path, role)
                _never(blob)
        if role in ("lead_a", "aud_p", "admin"):
            for fmt in ("json", "csv", "xlsx"):
                r = page.get(f"/audit/units/export.{fmt}?unit=A")
                blob = xlsx_text(r.content) if fmt == "xlsx" else r.text
                assert r.status_code == 200 and scene["to_cao"] in blob
                assert seen(blob, PLAIN) == "masked" and seen(blob, DENOUNCER) == "none", (role, fmt)
                _never(blob)
        for fmt in ("csv", "json", "xlsx"):
            r = page.get(f"/reports/export.{fmt}")
            if r.status_code != 200:
                continue  # not everyone reads reports; those who do must see no one
            blob = xlsx_text(r.content) if fmt == "xlsx" else r.text
            assert seen(blob, PLAIN) == "none" and seen(blob, DENOUNCER) == "none", (role, fmt)
    with TestClient(browser("aud_p").http.app) as api:
        for kind in ("plain", "to_cao"):
            for fmt in ("json", "csv", "xlsx"):
                r = api.get(f"/api/v1/audit/cases/{scene[kind]}/history?format={fmt}",
                            headers={"Authorization": f"Bearer {scene['tokens']['aud_p']}"})
                blob = xlsx_text(r.content) if fmt == "xlsx" else r.text
                assert r.status_code == 200 and seen(blob, _who(kind)) == EXPORTED[kind], fmt
                _never(blob)


def test_open311_and_the_public_page_carry_no_identity(scene, browser, web_app):
    with TestClient(web_app) as api:
        for role in ROLES:
            key = scene["tokens"][role]
            for kind in ("plain", "to_cao"):
                r = api.get(f"/open311/v2/requests/{scene[kind]}.json", params={"api_key": key})
                assert r.status_code == (404 if role == "off_b" else 200), (role, r.text)
                assert seen(r.text, _who(kind)) == "none"
            listed = api.get("/open311/v2/requests.xml", headers={"Authorization": f"Bearer {key}"})
            assert seen(listed.text, PLAIN) == "none" and seen(listed.text, DENOUNCER) == "none"
    public = browser()
    for kind in ("plain", "to_cao"):
        r = public.post("/tra-cuu", {"code": scene[kind]})
        assert r.status_code == 200 and scene[kind] in r.text
        assert seen(r.text, _who(kind)) == "none"
        assert public.get(f"/cases/{scene[kind]}").status_code in (303, 401, 404)


def test_emails_and_webhooks_name_nobody_and_no_denouncers_village(scene, sessions, clock, service, smtp_server,
                                                                    webhook_server, notify_settings, rng):
    give_emails(sessions)
    _subscribe(sessions, clock, webhook_server, "/portal", ["*"])
    webhook_server.now = int(clock.now().timestamp())
    run_once(sessions, notify_settings, clock, workflows=service.workflows, rng=rng)
    mails = [all_text(m) for m in smtp_server.messages]
    hooks = [r.body.decode() for r in webhook_server.received]
    assert mails and hooks
    for blob in mails + hooks:
        assert seen(blob, PLAIN) == "none" and seen(blob, DENOUNCER) == "none"
        _never(blob)
    den_hooks = [r.json for r in webhook_server.received if r.json["case"] == scene["to_cao"]]
    assert den_hooks and all("origin_unit" not in h["data"] for h in den_hooks)
    assert not any(re.search(r'"A2"|Ấp A2', h) for h in hooks if scene["to_cao"] in h)


def test_a_database_error_quotes_no_citizen_into_logs(engine):
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as caught:
        with engine.begin() as conn:
            conn.execute(sql("INSERT INTO role_grants (user_id, role, unit_id) VALUES (:u, :r, 999)"),
                         {"u": 999, "r": DENOUNCER[1]})
    assert DENOUNCER[1] not in str(caught.value)


# Who may print a receipt: officials and leaders over the case (origin or handling unit).
PRINTS = {"off_a", "lead_a", "off_so", "lead_so"}


def test_the_citizens_side_names_nobody_whoever_prints_or_reads_it(scene, browser, web_container, web_app):
    """The receipt (printed by each role), the tracking page with the receipt's PIN,
    the public statistics and Open311 without a key: no identity, for either case."""
    from engine.actors import SYSTEM
    from engine.services.receipts import issue_receipts

    for role in ROLES:
        page = browser(role)
        for kind in ("plain", "to_cao"):
            r = page.post(f"/cases/{scene[kind]}/receipt", {"format": "html"}, token_from="/")
            assert r.status_code == (200 if role in PRINTS else 404 if role == "off_b" else 403), (kind, role)
            assert scene[kind] in r.text or role not in PRINTS  # a receipt was printed
            assert seen(r.text, _who(kind)) == "none", (kind, role)
            _never(r.text)
    public = browser()
    for kind in ("plain", "to_cao"):
        pin = issue_receipts(web_container.cases, SYSTEM, [scene[kind]])[0].pin
        r = public.post(f"/tra-cuu/{scene[kind]}/pin", {"pin": pin}, token_from=f"/tra-cuu/{scene[kind]}")
        assert r.status_code == 200, kind
        if kind == "to_cao":  # the PIN opened the citizen's view: their own opinion, no one's identity
            assert "Tố cáo thu tiền sai quy định" in r.text
        assert seen(r.text, _who(kind)) == "none", kind
    for path in ("/thong-ke", "/thong-ke.json"):
        r = public.get(path)
        assert r.status_code == 200 and seen(r.text, PLAIN) == "none" and seen(r.text, DENOUNCER) == "none", path
    with TestClient(web_app) as api:
        for kind in ("plain", "to_cao"):
            r = api.get(f"/open311/v2/requests/{scene[kind]}.json")
            assert r.status_code == 200 and seen(r.text, _who(kind)) == "none", kind
        listed = api.get("/open311/v2/requests.json")
        assert listed.status_code == 200 and scene["to_cao"] not in listed.text
        assert seen(listed.text, PLAIN) == "none" and seen(listed.text, DENOUNCER) == "none"


def test_the_case_list_its_export_and_the_search_by_citizen(scene, browser, web_app):
    """The list page names nobody; its CSV/XLSX export carries the citizen as every
    export does (masked at most, a denouncer never); a search by name or phone finds
    a case exactly when the reader sees that citizen in full (IN_APP), on the page
    and through the API; the Front and administrators may not search by citizen."""
    for role in ROLES:
        page = browser(role)
        listed = page.get("/cases")
        assert listed.status_code == 200
        assert seen(listed.text, PLAIN) == "none" and seen(listed.text, DENOUNCER) == "none", role
        for fmt in ("csv", "xlsx"):
            r = page.get(f"/cases/export.{fmt}")
            assert r.status_code == 200, (role, fmt)
            blob = xlsx_text(r.content) if fmt == "xlsx" else r.text
            for kind in ("plain", "to_cao"):
                if IN_APP[kind][role] is None:
                    assert scene[kind] not in blob, (role, fmt, kind)
                    continue
                assert scene[kind] in blob, (role, fmt, kind)
                assert seen(blob, _who(kind)) == EXPORTED[kind], (role, fmt, kind)
            _never(blob)
        for kind in ("plain", "to_cao"):
            name, phone, _ = _who(kind)
            for typed in (name, phone):
                r = page.get("/cases", params={"citizen": typed})
                assert r.status_code == 200
                found = scene[kind] in r.text
                if role in ("aud_p", "admin"):
                    # No citizen search for them: the box is not there and a typed one is dropped.
                    assert 'name="citizen"' not in r.text and "Chỉ tìm thấy ý kiến" in r.text
                    continue
                assert found is (IN_APP[kind][role] == "full"), (role, kind, typed)
                # The reader's own typing is echoed (the box, the address): what the
                # results must not add is anything else of either citizen.
                shown = r.text.replace(typed, "").replace(quote_plus(typed), "")
                assert seen(shown, PLAIN) == "none" and seen(shown, DENOUNCER) == "none", (role, kind, typed)
    with TestClient(web_app) as api:
        for role in ROLES:
            auth = {"Authorization": f"Bearer {scene['tokens'][role]}"}
            for kind in ("plain", "to_cao"):
                r = api.get("/api/v1/cases", params={"citizen": _who(kind)[0]}, headers=auth)
                if role in ("aud_p", "admin"):
                    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
                    continue
                assert r.status_code == 200
                assert (scene[kind] in r.text) is (IN_APP[kind][role] == "full"), (role, kind)
                assert seen(r.text, _who(kind)) == "none"  # a list names nobody, whoever asks
def test_the_inbox_names_nobody_for_any_role(scene, browser, sessions, clock, service, web_container):
    """The inbox page (and each item opened) as every role, after the escalations and a
    meeting whose intake holds both citizens again (its one notice per leader)."""
    from notifications.fanout import fan_out

    from .test_web_intake import intake_form, meeting

    page = browser("off_a")
    hidden = intake_form(page)
    rows = [{"topic": "khac", "content": "Xin làm lại cống", "name": PLAIN[0], "phone": PLAIN[1], "village": "A1",
             "outcome": "escalate", "target": "P-SO"},
            {"topic": "an_ninh_trat_tu", "kind": "to_cao", "content": "Tố cáo thu tiền", "name": DENOUNCER[0],
             "phone": DENOUNCER[1], "village": "A2", "outcome": "escalate", "target": "P-SO"}]
    assert page.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"]).status_code == 303
    with UnitOfWork(sessions, write=True) as uow:
        fan_out(uow.session, clock.now())
        uow.commit()
    told = 0
    for role in ROLES:
        reader = browser(role)
        html = reader.get("/inbox")
        assert html.status_code == 200, role
        assert seen(html.text, PLAIN) == "none" and seen(html.text, DENOUNCER) == "none", role
        _never(html.text)
        assert not re.search(r"Ấp A2|\bA2\b", html.text), role  # nor the denouncer's village
        for item in re.findall(r'href="/inbox/(\d+)"', html.text):
            told += 1
            assert reader.get(f"/inbox/{item}").status_code == 303
    assert told
# A dispute's parties (the Tổ dân vận's mediation, handled in the village): the
# commune's staff see them, the Front and admins masked, other units nothing at all.
PARTIES = {"off_a": "full", "lead_a": "full", "off_so": None, "lead_so": None, "aud_p": "masked", "admin": "masked",
           "off_b": None}


def test_a_disputes_parties_as_every_role(scene, web_app, web_container, world):
    from engine.services.cases import NewCase
    from engine.services.disputes import Party

    code = web_container.programmes.disputes.record(world["off_a"], NewCase(
        workflow="to-dan-van", unit="A1", topic="dat_dai", kind="kien_nghi", content="Tranh chấp lối đi"),
        [Party(*PLAIN), Party("Lê Văn Hàng Xóm", "0987000111")])
    with TestClient(web_app) as api:
        for role in ROLES:
            r = api.get(f"/api/v1/disputes/{code}/parties", headers={"Authorization": f"Bearer {scene['tokens'][role]}"})
            if PARTIES[role] is None:
                assert r.status_code == 404, role
                continue
            assert r.status_code == 200 and seen(r.text, PLAIN) == PARTIES[role], (role, r.text)
            _never(r.text)
        assert api.get(f"/api/v1/disputes/{code}/parties").status_code == 401
