"""The inbox (issue 15, item 7): a meeting's new opinions reach each leader as one
notice, from the page's intake and the API's alike; a single opinion outside a
meeting stays its own notice; the inbox is newest first, an item is read once
opened (through a route that marks it, then goes where it points), "mark all
read" empties the count in the menu; nobody's notice names a denouncer."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.models import Case, InboxItem, OutboxMessage
from notifications import inbox, run_once

from .api_support import api, api_app, api_container, as_user, tokens  # noqa: F401
from .browser.web import browser, web_app, web_container  # noqa: F401
from .intake_support import api_body
from .test_notify_support import all_text, give_emails, notify_settings, rng, smtp_server, user_id  # noqa: F401
from .test_web_intake import intake_form, meeting

DENOUNCER = "Trần Thị Tố Giác"


def ten_opinions() -> list[dict[str, str]]:
    """Ten opinions: two passed to the commune's economic department, one a denunciation."""
    rows = []
    for i in range(10):
        row = {"topic": "giao_thong", "content": f"Ý kiến {i + 1}: đường ngập", "village": "A1" if i % 2 else "A2",
               "name": f"Người dân {i + 1}", "outcome": "record"}
        if i in (2, 5):
            row.update(outcome="escalate", target="A-KT")
        if i == 7:
            row.update(kind="to_cao", name=DENOUNCER, content="Tố cáo thu tiền sai quy định")
        if i == 8:
            row.update(outcome="answer_on_site", answer="Đã giải thích tại chỗ")
        rows.append(row)
    return rows


def items_of(sessions, username: str) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    uid = user_id(sessions, username)
    with sessions() as s:
        return list(s.scalars(select(InboxItem).where(InboxItem.user_id == uid).order_by(InboxItem.id)))


def record_ten_in_the_page(browser) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    page = browser("off_a")
    hidden = intake_form(page)
    data = {**meeting(hidden, ten_opinions()), "rows": "10"}
    r = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert r.status_code == 303, r.text[-2000:]
    return page, r.headers["location"].split("?")[0]


def test_a_meeting_of_ten_opinions_is_one_notice_per_leader(browser, world, sessions, clock, notify_settings, rng):
    _, meeting_path = record_ten_in_the_page(browser)
    run_once(sessions, notify_settings, clock, rng=rng)
    [notice] = items_of(sessions, "lead_a")
    assert notice.kind == "meeting.recorded" and notice.case_code is None
    with sessions() as s:
        [entry] = inbox.list_items(s, user_id(sessions, "lead_a"))
        assert entry.text == "Buổi tiếp xúc ngày 23/11/2026 tại Xã A ghi nhận 10 ý kiến mới"
        assert entry.link == meeting_path
        [english] = inbox.list_items(s, user_id(sessions, "lead_a"), lang="en")
        assert english.text == "The meeting of 23/11/2026 at Xã A recorded 10 new opinions"
        # One row for the meeting, written with it; its opinions' rows carry the meeting's id.
        rows = list(s.scalars(select(OutboxMessage)))
        assert [r.kind for r in rows].count("meeting.recorded") == 1
        assert all(r.payload.get("meeting") == notice.data["meeting"] for r in rows)
    # The department the two were passed to must act on each: told of each.
    kt = items_of(sessions, "lead_kt")
    assert len(kt) == 2 and {i.kind for i in kt} == {"case.transitioned"}
    assert len(items_of(sessions, "off_kt")) == 2
    assert items_of(sessions, "off_a") == []  # never told of one's own intake
    assert items_of(sessions, "lead_b") == []
    # Nobody's notice names a citizen, the denouncer least of all.
    with sessions() as s:
        for username in ("lead_a", "lead_kt", "off_kt"):
            for e in inbox.list_items(s, user_id(sessions, username)):
                assert DENOUNCER not in e.text and "Người dân" not in e.text and DENOUNCER not in str(e.data)


def test_through_the_api_too_one_notice_per_leader(api, as_user, world, sessions, clock, notify_settings, rng):
    r = api.post("/api/v1/meetings", json=api_body(10), headers=as_user("off_a"))
    assert r.status_code == 201, r.text
    run_once(sessions, notify_settings, clock, rng=rng)
    [notice] = items_of(sessions, "lead_a")
    assert notice.kind == "meeting.recorded" and notice.data["opinions"] == 10
    # api_body escalates one in three to A-KT: each reaches the department.
    assert len(items_of(sessions, "lead_kt")) == sum(1 for i in range(10) if i % 3 == 1)


def test_a_single_opinion_outside_a_meeting_stays_a_single_notice(world, sessions, clock, notify_settings, rng):
    case = world.new_case("off_a", "A1")
    run_once(sessions, notify_settings, clock, rng=rng)
    [item] = items_of(sessions, "lead_a")
    assert item.kind == "case.created" and item.case_code == case.code
    with sessions() as s:
        assert s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "meeting.recorded")) is None


def test_the_inbox_page_opens_marks_read_and_counts(browser, world, sessions, clock, notify_settings, rng):
    _, meeting_path = record_ten_in_the_page(browser)
    clock.advance(timedelta(minutes=5))
    single = world.new_case("off_a", "A1")
    run_once(sessions, notify_settings, clock, rng=rng)
    leader = browser("lead_a")
    html = leader.get("/inbox").text
    assert re.search(r'<a href="/inbox"[^>]*>Hộp thư <span class="count">2</span>', html) or \
        '<span class="count">2</span>' in html
    links = re.findall(r'<a href="/inbox/(\d+)">(?:<span class="visually-hidden">Chưa đọc: </span>)?([^<]+)</a>', html)
    assert [text for _, text in links] == [f"{single.code} · Điện nước hạ tầng · Ý kiến mới được tiếp nhận",
                                           "Buổi tiếp xúc ngày 23/11/2026 tại Xã A ghi nhận 10 ý kiến mới"]
    meeting_item = links[1][0]
    # Someone else's item: not found, and still unread for its owner.
    assert browser("lead_b").get(f"/inbox/{meeting_item}").status_code == 404
    assert browser("lead_a").get("/inbox/abc").status_code == 404
    opened = leader.get(f"/inbox/{meeting_item}")
    assert opened.status_code == 303 and opened.headers["location"] == meeting_path
    with sessions() as s:
        assert inbox.unread_count(s, user_id(sessions, "lead_a")) == 1
    html = leader.get("/inbox").text
    assert '<span class="count">1</span>' in html and html.count("visually-hidden\">Chưa đọc") == 1
    case_item = links[0][0]
    assert leader.get(f"/inbox/{case_item}").headers["location"] == f"/cases/{single.code}"
    assert leader.get(f"/inbox/{case_item}").status_code == 303  # opened again: still fine
    # Mark all read: the count leaves the menu.
    world.new_case("off_a", "A2")
    run_once(sessions, notify_settings, clock, rng=rng)
    html = leader.get("/inbox").text
    assert '<span class="count">1</span>' in html
    r = leader.post("/inbox/read", {}, token_from="/inbox")
    assert r.status_code == 303
    assert '<span class="count">' not in leader.get("/inbox").text


def test_the_inbox_is_in_date_order_whatever_order_it_was_filled_in(world, sessions, clock):
    uid = user_id(sessions, "lead_a")
    with sessions() as s:
        # Filled in out of order (a late fan-out): the older fact gets the larger id.
        for n, (code, at) in enumerate((("P-2026-NEW0001", clock.now()),
                                        ("P-2026-OLD0001", clock.now() - timedelta(days=2)))):
            msg = OutboxMessage(dedup_key=f"test:{n}", kind="case.created", payload={}, created_at=at)
            s.add(msg)
            s.flush()
            s.add(InboxItem(user_id=uid, outbox_id=msg.id, kind="case.created", case_code=code, data={},
                            created_at=at, read_at=None))
            s.flush()
        s.commit()
        assert [e.case_code for e in inbox.list_items(s, uid)] == ["P-2026-NEW0001", "P-2026-OLD0001"]


def test_a_meeting_notice_for_a_denunciation_only_meeting_names_nobody(browser, world, sessions, clock,
                                                                        notify_settings, rng):
    page = browser("off_a")
    hidden = intake_form(page)
    row = {"topic": "an_ninh_trat_tu", "kind": "to_cao", "content": "Tố cáo cán bộ thu tiền", "name": DENOUNCER,
           "phone": "0912 888 999", "village": "A2", "outcome": "escalate", "target": "A-KT"}
    assert page.post("/meetings/new", meeting(hidden, [row]), csrf=hidden["csrf"]).status_code == 303
    run_once(sessions, notify_settings, clock, rng=rng)
    with sessions() as s:
        case = s.scalar(select(Case))
        for username in ("lead_a", "lead_kt", "off_kt"):
            for e in inbox.list_items(s, user_id(sessions, username)):
                blob = f"{e.text} {e.data}"
                assert DENOUNCER not in blob and "0912" not in blob and "888 999" not in blob
                # The denunciation's own notices do not say which meeting (so which village) it came from.
                if e.case_code == case.code:
                    assert "meeting" not in e.data and "origin_unit" not in e.data


def test_the_leaders_email_has_one_line_for_the_meeting(browser, world, sessions, clock, notify_settings, rng,
                                                         smtp_server):
    _, meeting_path = record_ten_in_the_page(browser)
    give_emails(sessions)
    run_once(sessions, notify_settings, clock, rng=rng)
    to_leader = [all_text(m) for m in smtp_server.messages if m["To"] == "lead_a@nghedan.test"]
    assert len(to_leader) == 1
    [mail] = to_leader
    assert mail.count("ghi nhận 10 ý kiến mới") >= 1 and f"/meetings/{meeting_path.rsplit('/', 1)[1]}" in mail
    assert "P-2026-" not in mail  # no line per opinion
    assert DENOUNCER not in mail and "Người dân" not in mail
