"""The officials who took part in a meeting: recorded with it in one transaction
(service, API, web form), counted by the report, and hostile lists refused whole —
an unknown account, another commune's official, a huge list, duplicates — with a
clear error in the user's language and nothing written; names that look like HTML
or a formula are kept as typed and never interpreted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import MeetingParticipant
from engine.services.meetings import (MAX_PARTICIPANTS, IdempotencyKeyReused, InvalidIntake, MeetingService,
                                     Participant)

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, client, form_values, web_app, web_container  # noqa: F401
from .intake_support import api_body, intake, written

HOSTILE = ("<script>alert('x')</script>", "=HYPERLINK(\"http://evil\",\"bấm\")", "+cmd|' /C calc'!A0")


@pytest.fixture
def meetings(service, world):  # type: ignore[no-untyped-def]
    return MeetingService(service)


def refusal(meetings, who, participants, sessions) -> InvalidIntake:  # type: ignore[no-untyped-def]
    before = written(sessions)
    with pytest.raises(InvalidIntake) as caught:
        meetings.record(who, intake(3, participants=participants), key="k-" + str(len(participants)))
    assert written(sessions) == before  # nothing: no meeting, no opinion, no participant, no key
    assert all(p.row is None for p in caught.value.problems if p.field == "participants")
    return caught.value


def messages(err: InvalidIntake, lang: str = "vi") -> list[str]:
    return [p.error.message(lang) for p in err.problems if p.field == "participants"]


def test_users_and_names_are_recorded_with_the_meeting(meetings, world, sessions):
    listed = [Participant(user="off_a"), Participant(user="off_kt"), Participant(user="aud_p"),
              Participant(user="off_so"), Participant(name="  Nguyễn Văn Huyện "), *[Participant(name=n) for n in HOSTILE]]
    view = meetings.record(world["off_a"], intake(2, participants=listed)).meeting
    assert [u for u, _ in view.participants] == ["off_a", "off_kt", "aud_p", "off_so", None, None, None, None]
    assert [n for _, n in view.participants][4:] == ["Nguyễn Văn Huyện", *HOSTILE]  # as typed, trimmed
    with sessions() as s:
        assert len(s.scalars(select(MeetingParticipant).where(MeetingParticipant.meeting_id == view.id)).all()) == 8
    assert meetings.get(world["aud_p"], view.id).participants == view.participants


def test_an_unknown_account_refuses_the_whole_intake(meetings, world, sessions):
    err = refusal(meetings, world["off_a"], [Participant(user="off_a"), Participant(user="khong_co")], sessions)
    assert len(messages(err)) == 1 and "dòng 2: không có tài khoản “khong_co”" in messages(err)[0]
    assert any("line 2" in m and "no account" in m for m in messages(err, "en"))


def test_another_communes_official_did_not_take_part(meetings, world, sessions):
    err = refusal(meetings, world["off_a"], [Participant(user="off_b"), Participant(user="lead_b")], sessions)
    assert len(messages(err)) == 2 and all("không công tác" in m for m in messages(err))
    # The commune's own departments and the levels above are fine (see the first test).


def test_a_huge_list_duplicates_and_blank_entries_are_refused(meetings, world, sessions):
    huge = [Participant(name=f"Cán bộ {i}") for i in range(MAX_PARTICIPANTS + 1)]
    err = refusal(meetings, world["off_a"], huge, sessions)
    assert any(f"tối đa {MAX_PARTICIPANTS}" in m for m in messages(err))
    err = refusal(meetings, world["off_a"], [Participant(user="off_a"), Participant(user=" off_a "),
                                             Participant(name="Trần  Mai"), Participant(name="trần mai")], sessions)
    assert sum("đã có trong danh sách" in m for m in messages(err)) == 2
    err = refusal(meetings, world["off_a"], [Participant(), Participant(user="off_a", name="Ai đó"),
                                             Participant(name="\x00\x07"), Participant(name="x" * 201),
                                             "off_a"], sessions)  # type: ignore[list-item]
    assert len(messages(err)) == 5


def test_api_records_and_refuses_participants(api, as_user, sessions):
    body = api_body(2, participants=[{"user": "lead_a"}, {"name": HOSTILE[1]}])
    r = api.post("/api/v1/meetings", json=body, headers=as_user("off_a"))
    assert r.status_code == 201, r.text
    assert r.json()["participants"] == [{"user": "lead_a", "name": "lead_a"}, {"user": None, "name": HOSTILE[1]}]
    before = written(sessions)
    for bad, status in (([{"user": "off_b"}], 422), ([{"user": "nobody"}], 422),
                        ([{"name": f"N{i}"} for i in range(MAX_PARTICIPANTS + 1)], 422),
                        ([{"name": "x" * 201}], 422), ([{"user": "off_a", "extra": 1}], 422), ("off_a", 422)):
        r = api.post("/api/v1/meetings", json=api_body(2, participants=bad), headers=as_user("off_a"))
        assert r.status_code == status, (bad, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert written(sessions) == before
    r = api.post("/api/v1/meetings", json=api_body(1, participants=[{"user": "off_b"}]),
                 headers={**as_user("off_a"), "Accept-Language": "en"})
    assert any(e["field"] == "participants" and "works neither here" in e["message"] for e in r.json()["errors"])


def test_the_form_takes_one_person_a_line_and_shows_them_escaped(browser, sessions):
    page = browser("off_a")
    hidden = form_values(page.get("/meetings/new").text, "/meetings/new")
    data = {**hidden, "programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A", "attendees": "30",
            "rows": hidden.get("rows", "5"), "r0_topic": "dien_nuoc", "r0_content": "Nước đục", "r0_outcome": "record",
            "participants": "@off_a\n\n@nobody\n@off_b"}
    before = written(sessions)
    r = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert r.status_code == 400
    assert "không có tài khoản “nobody”" in r.text and "không công tác" in r.text
    assert "@off_a\n\n@nobody" in r.text  # the list is kept for correcting
    assert written(sessions) == before
    data["participants"] = f"@off_a\n{HOSTILE[0]}\nLê Văn Tư"
    r = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert r.status_code == 303, r.text[-2000:]
    shown = page.get(r.headers["location"]).text
    assert "<script>alert" not in shown and "&lt;script&gt;alert" in shown
    assert "Lê Văn Tư" in shown and "(@off_a)" in shown


def test_a_crash_after_the_participants_leaves_none_and_a_replay_does_not_double_them(world, service, sessions,
                                                                                      monkeypatch):
    from engine.services import cases as cases_module

    from .intake_support import Crash, crash_at

    meetings = MeetingService(service)
    listed = [Participant(user="off_a"), Participant(name="Nguyễn Văn Huyện")]
    before = written(sessions)
    crash_at(monkeypatch, cases_module, "append_event", 2)  # after the meeting and its participants
    with pytest.raises(Crash):
        meetings.record(world["off_a"], intake(3, participants=listed), key="participants-crash-1")
    assert written(sessions) == before
    monkeypatch.undo()
    first = meetings.record(world["off_a"], intake(3, participants=listed), key="participants-crash-1")
    again = meetings.record(world["off_a"], intake(3, participants=listed), key="participants-crash-1")
    assert again.replayed and again.meeting == first.meeting
    assert written(sessions)["meeting_participants"] == before["meeting_participants"] + 2
    # The same key with another list is another request: refused, nothing added.
    with pytest.raises(IdempotencyKeyReused):
        meetings.record(world["off_a"], intake(3, participants=listed[:1]), key="participants-crash-1")
    assert written(sessions)["meeting_participants"] == before["meeting_participants"] + 2
