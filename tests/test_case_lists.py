"""engine.listing's filters, each on its own and together, and the count: every
filter keeps exactly the cases it names (within the reader's scope); both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.errors import InvalidField
from engine.listing import CaseQuery, count_cases, page_cases
from engine.models import Meeting
from engine.services import directory
from engine.uow import UnitOfWork
from engine.workflow import final_states


def _codes(sessions, actor, query, limit=100):
    out, cursor = [], None
    while True:
        with sessions() as s:
            page = page_cases(s, actor, query, limit=limit, cursor=cursor)
        out += [r.code for r in page.items]
        if page.next_cursor is None:
            return set(out)
        cursor = page.next_cursor


@pytest.fixture
def lot(world, service, sessions, clock, workflows):
    """Cases that differ in one attribute each from a plain one."""
    with UnitOfWork(sessions) as uow:
        a1 = directory.unit_by_code(uow.session, "A1")
        meeting = Meeting(programme="nghe-dan-noi", held_on=date(2026, 11, 2), unit_id=a1.id, place="Nhà văn hóa",
                          hosts="", attendees=30, created_at=clock.now())
        uow.session.add(meeting)
        uow.commit()
        meeting_id = meeting.id
    now = clock.now()
    made = {
        "plain": world.new_case(content="Đèn đường hỏng"),
        "old": world.new_case(content="Đèn đường hỏng", received_at=(now - timedelta(days=40)).isoformat()),
        "kind": world.new_case(kind="phan_anh", content="Rác ven kênh"),
        "topic": world.new_case(topic="giao_thong", content="Ổ gà trên đường"),
        "channel": world.new_case(channel="hotline", content="Gọi đường dây nóng"),
        "meeting": world.new_case(meeting_id=meeting_id, content="Nêu tại buổi tiếp xúc"),
        "village2": world.new_case(unit="A2", content="Ý kiến ấp A2", citizen_name="Lê Thị Hoa",
                                   citizen_phone="+84 912 345 678"),
        "other_commune": world.new_case("off_b", "B1", content="Đèn đường hỏng"),
    }
    service.fire(world["off_a"], made["kind"].code, "withdraw", {"reason": "rút"})
    return {k: v.code for k, v in made.items()}, meeting_id, tuple(final_states(workflows))


def test_each_filter_keeps_exactly_its_cases(lot, world, sessions, clock):
    codes, meeting_id, finals = lot
    off_a, now = world["off_a"], clock.now()
    mine = set(codes.values()) - {codes["other_commune"]}
    assert _codes(sessions, off_a, CaseQuery()) == mine
    cases = [
        (CaseQuery(kinds=("phan_anh",)), {codes["kind"]}),
        (CaseQuery(topics=("giao_thong",)), {codes["topic"]}),
        (CaseQuery(channel="hotline"), {codes["channel"]}),
        (CaseQuery(meeting=meeting_id), {codes["meeting"]}),
        (CaseQuery(unit="A2"), {codes["village2"]}),
        (CaseQuery(states=("withdrawn",)), {codes["kind"]}),
        (CaseQuery(open_only=True, final_states=finals), mine - {codes["kind"]}),
        (CaseQuery(received_before=now - timedelta(days=30)), {codes["old"]}),
        (CaseQuery(received_from=now - timedelta(days=1)), mine - {codes["old"]}),
        (CaseQuery(text="den duong"), {codes["plain"], codes["old"]}),
        (CaseQuery(citizen="le thi hoa"), {codes["village2"]}),
        (CaseQuery(citizen="0912345678"), {codes["village2"]}),  # typed 09…, stored +84 9…
        (CaseQuery(text="den duong", received_from=now - timedelta(days=1)), {codes["plain"]}),
        (CaseQuery(meeting=meeting_id, kinds=("phan_anh",)), set()),
    ]
    for query, expected in cases:
        assert _codes(sessions, off_a, query) == expected, query
        with sessions() as s:
            assert count_cases(s, off_a, query, cap=1000) == len(expected), query
    # Another commune's reader sees none of commune A's, whatever the filter.
    assert _codes(sessions, world["off_b"], CaseQuery(text="den duong")) == {codes["other_commune"]}
    assert _codes(sessions, world["off_b"], CaseQuery(meeting=meeting_id)) == set()


def test_overdue_keeps_open_cases_past_their_deadline(lot, world, sessions, clock, workflows):
    codes, _, finals = lot
    later = clock.now() + timedelta(days=30)  # past every 10-working-day deadline
    got = _codes(sessions, world["off_a"], CaseQuery(overdue_at=later, final_states=finals))
    assert got == set(codes.values()) - {codes["other_commune"], codes["kind"]}  # the withdrawn one is closed
    # Now, only the opinion received 40 days ago is past its deadline.
    assert _codes(sessions, world["off_a"], CaseQuery(overdue_at=clock.now(), final_states=finals)) == {codes["old"]}


def test_count_stops_at_its_cap_and_pages_cover_everything_once(world, service, sessions):
    made = [world.new_case(content=f"Ý kiến {i}").code for i in range(23)]
    with sessions() as s:
        assert count_cases(s, world["off_a"], CaseQuery(), cap=10) == 10
        assert count_cases(s, world["off_a"], CaseQuery(), cap=100) == 23
    for order in ("received", "due"):
        seen, cursor = [], None
        while True:
            with sessions() as s:
                page = page_cases(s, world["off_a"], CaseQuery(order=order), limit=5, cursor=cursor)
            seen += [r.code for r in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(made) and len(seen) == 23


def test_an_unknown_unit_and_a_citizen_search_by_a_role_that_sees_no_citizen_are_refused(world, sessions):
    world.new_case()
    with sessions() as s:
        with pytest.raises(InvalidField) as err:
            page_cases(s, world["off_a"], CaseQuery(unit="NO-SUCH"))
        assert err.value.params["field"] == "unit"
        for role in ("aud_p", "admin"):
            with pytest.raises(InvalidField) as err:
                page_cases(s, world[role], CaseQuery(citizen="Nguyễn Văn Dân"))
            assert err.value.params["field"] == "citizen"


@pytest.mark.parametrize("typed", ["%", "_", "\\", "' OR 1=1 --", '"', "NEAR(a b)", "a* OR b", "ĐƯỜNG\u200b"])
def test_hostile_search_text_is_only_text(world, sessions, typed):
    world.new_case(content="Đường hỏng")
    with sessions() as s:
        for query in (CaseQuery(text=typed), CaseQuery(citizen=typed)):
            page = page_cases(s, world["off_a"], query)
            assert page.items == []


def test_a_huge_search_is_cut_to_its_first_words(world, sessions):
    case = world.new_case(content="nước sinh hoạt bị đục")
    typed = "nuoc sinh " + "x" * 100_000
    with sessions() as s:
        assert [r.code for r in page_cases(s, world["off_a"], CaseQuery(text="nuoc sinh hoat")).items] == [case.code]
        assert page_cases(s, world["off_a"], CaseQuery(text=typed)).items == []
