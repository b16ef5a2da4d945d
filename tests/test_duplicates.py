"""Likely duplicates (engine.duplicates): near-duplicates in the same village within
90 days are suggested, other texts, villages, communes and old cases are not, a
denunciation only to whom sees its author; merging shows on the target case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.duplicates import Probe, likely_duplicates, similarity
from engine.models import Case, Unit

from .browser.web import browser, web_app, web_container  # noqa: F401

TEXT = "Nước sinh hoạt ở ấp A1 bị đục, có mùi hôi"


def _probe(sessions, village, content, at):
    with sessions() as s:
        vid = s.scalar(select(Unit.id).where(Unit.code == village))
    return Probe("new", vid, content, at)


def _suggested(sessions, actor, probe):
    with sessions() as s:
        return [x.code for x in likely_duplicates(s, actor, [probe])["new"]]


def test_near_duplicates_are_suggested_and_the_rest_is_not(world, service, sessions, clock):
    now = clock.now()
    same = world.new_case(content=TEXT)
    reworded = world.new_case(content="nuoc sinh hoat o ap A1 bi duc co mui hoi lam")  # no accents, one word more
    world.new_case(content="Đèn đường ấp A1 không sáng")  # another subject
    world.new_case(unit="A2", content=TEXT)  # another village
    world.new_case("off_b", "B1", content=TEXT)  # another commune
    world.new_case(content=TEXT, received_at=(now - timedelta(days=120)).isoformat())  # too old
    assert similarity(TEXT, "nuoc sinh hoat o ap A1 bi duc co mui hoi lam") >= 0.5
    assert similarity(TEXT, "Đèn đường ấp A1 không sáng") < 0.5
    probe = _probe(sessions, "A1", "Nước sinh hoạt ấp A1 bị đục có mùi hôi", now)
    assert set(_suggested(sessions, world["off_a"], probe)) == {same.code, reworded.code}
    # A reader of commune B (or the province) never gets commune A's village's cases for a B village.
    assert _suggested(sessions, world["off_b"], _probe(sessions, "B1", TEXT, now)) != []
    assert same.code not in _suggested(sessions, world["off_b"], _probe(sessions, "B1", TEXT, now))
    assert _suggested(sessions, world["off_b"], probe) == []  # commune A's village: out of their scope


def test_a_denunciation_is_suggested_only_to_whom_sees_its_author(world, sessions, clock):
    den = world.new_case(kind="to_cao", content="Tố cáo cán bộ ấp A1 thu tiền trái quy định")
    probe = _probe(sessions, "A1", "to cao can bo ap A1 thu tien trai quy dinh", clock.now())
    assert _suggested(sessions, world["lead_a"], probe) == [den.code]  # leads the handling unit
    assert _suggested(sessions, world["off_a"], probe) == []
    assert _suggested(sessions, world["aud_p"], probe) == []


def test_the_case_page_suggests_and_merging_shows_on_the_target(browser, world, service):
    first = world.new_case(content=TEXT)
    second = world.new_case(content="Nước sinh hoạt ấp A1 bị đục và có mùi hôi")
    html = browser("off_a").get(f"/cases/{second.code}").text
    section = html[html.index('id="duplicates"'):]
    assert "Có thể trùng với" in section and first.code in section
    service.fire(world["lead_a"], second.code, "merge", {"duplicate_of": first.code})
    target = browser("off_a").get(f"/cases/{first.code}").text
    assert "Các ý kiến trùng được gộp vào đây" in target and second.code in target
    merged = browser("off_a").get(f"/cases/{second.code}").text
    assert 'id="duplicates"' not in merged  # a merged case suggests nothing more


def test_the_meeting_page_after_intake_gives_a_notice_not_a_refusal(browser, world, sessions, clock, web_container):
    earlier = world.new_case(content=TEXT)
    actor = world["off_a"]
    from engine.services.intake import NewMeeting, Opinion  # what the intake form records

    recorded = web_container.meetings.record(actor, NewMeeting(
        programme="nghe-dan-noi", held_on=clock.now().date().isoformat(), unit="A1", place="Nhà văn hóa ấp A1",
        hosts="", attendees=20, opinions=(Opinion(topic="dien_nuoc", kind="kien_nghi", content=TEXT + " nhiều ngày"),
                                          Opinion(topic="giao_thong", kind="kien_nghi", content="Đường sạt lở")),
    ), key="intake-dup-1").meeting
    html = browser("off_a").get(f"/meetings/{recorded.id}?saved=2").text
    notice = html[html.index('id="intake-duplicates"'):]
    notice = notice[:notice.index("</div>")]
    assert earlier.code in notice and recorded.cases[0] in notice and recorded.cases[1] not in notice
    with sessions() as s:
        assert s.scalar(select(Case.state).where(Case.code == recorded.cases[0])) == "received"
