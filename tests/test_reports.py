"""The report's figures: hand-computed expectations on a month of the test world,
roll-up through the unit tree, local-time period boundaries, status as at the end
of the period, scope, and aggregation done by the database."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timezone

import pytest
from sqlalchemy import event, select, text

from engine.actors import SYSTEM
from engine.errors import InvalidField, NotFound, RoleNotAllowed
from engine.models import CaseFacts
from engine.reports import Figures, Period, ReportRequest, build_report
from engine.reports.facts import FACT_COLUMNS, rebuild_facts
from engine.services.cases import NewCase

from .test_reports_support import MT, NDN, OCTOBER, OCTOBER_MEETINGS, OCTOBER_TOTALS, at, build_october

PROGRAMMES = {NDN: ("Nghe dân nói – Làm dân tin", "Listen"), MT: ("Mỗi tuần một điểm đến", "Weekly")}


@pytest.fixture
def october(world, service, clock, workflows):
    return build_october(world, service, clock, workflows)


def report(service, actor, start=OCTOBER[0], end=OCTOBER[1], unit=None, programme=None):
    with service.uow(write=False) as uow:
        return build_report(uow.session, actor, ReportRequest(Period(start, end), unit, programme),
                            now=service.clock.now(), programmes=PROGRAMMES)


def figs(**kw: int) -> Figures:
    return Figures(**kw)


def rows(rep_rows) -> dict[str, Figures]:
    return {r.key: r.cases for r in rep_rows}


def test_province_october_matches_the_hand_count(october, world, service):
    rep = report(service, world["aud_p"], unit="P")
    assert asdict(rep.totals) == OCTOBER_TOTALS
    assert rep.totals.share_resolved == 50.0 and rep.totals.in_progress == 3
    assert rep.totals.share_satisfied == 75.0
    assert rep.meetings.as_dict() == OCTOBER_MEETINGS
    # Communes roll up their villages and departments; the province itself had nothing.
    assert rows(rep.by_unit) == {
        "A": figs(received=5, answered_on_site=3, escalated=2, transferred_within=2, resolved=4, on_time=2, extended=1, late=1,
                  still_overdue=1, satisfied=3, not_satisfied=1),
        "B": figs(received=2, answered_on_site=1, closed_other=1),
        "P-SO": figs(received=1),
    }
    assert {r.key: r.meetings.as_dict() for r in rep.by_unit} == {
        "A": dict(meetings=3, attendees=85, participations=0, units=2), "B": dict(meetings=1, attendees=50, participations=0, units=1),
        "P-SO": dict(meetings=0, attendees=0, participations=0, units=0)}
    assert rows(rep.by_topic) == {
        "giao_thong": figs(received=1, escalated=1, transferred_within=1, still_overdue=1),
        "dat_dai": figs(received=1, escalated=1, transferred_within=1, resolved=1, on_time=1, not_satisfied=1),
        "moi_truong": figs(received=1, answered_on_site=1, resolved=1, late=1, satisfied=1),
        "an_ninh_trat_tu": figs(received=1, closed_other=1),
        "y_te": figs(received=1, answered_on_site=1, resolved=1, extended=1, satisfied=1),
        "dien_nuoc": figs(received=2, answered_on_site=2, resolved=1, on_time=1, satisfied=1),
        "khac": figs(received=1),
    }
    assert [r.key for r in rep.by_topic][:2] == ["giao_thong", "dat_dai"]  # the vocabulary's order
    assert {r.key: (r.cases.received, r.meetings.as_dict()) for r in rep.by_programme} == {
        NDN: (7, dict(meetings=3, attendees=125, participations=0, units=3)), MT: (1, dict(meetings=1, attendees=10, participations=0, units=1))}
    assert [r.label for r in rep.by_programme] == ["Nghe dân nói – Làm dân tin", "Mỗi tuần một điểm đến"]
    assert [(r.key, r.cases.received) for r in rep.by_month] == [("2026-10", 8)]
    assert rep.resolved_by_month == (("2026-10", 4),)
    # Every breakdown adds up to the totals.
    for breakdown in (rep.by_unit, rep.by_topic, rep.by_programme, rep.by_month):
        total = Figures()
        for r in breakdown:
            total += r.cases
        assert total == rep.totals


def test_a_commune_report_lists_its_villages_and_agrees_with_the_province(october, world, service):
    province = report(service, world["aud_p"], unit="P")
    commune = report(service, world["lead_a"], unit="A")
    assert commune.totals == rows(province.by_unit)["A"]
    assert [r.key for r in commune.by_unit] == ["A-KT", "A-MT", "A1", "A2"]
    assert rows(commune.by_unit)["A1"] == figs(received=3, answered_on_site=2, escalated=1, transferred_within=1, resolved=2, on_time=1,
                                               extended=1, still_overdue=1, satisfied=2)
    assert rows(commune.by_unit)["A2"] == figs(received=2, answered_on_site=1, escalated=1, transferred_within=1, resolved=2, on_time=1,
                                               late=1, satisfied=1, not_satisfied=1)
    assert rows(commune.by_unit)["A-KT"] == Figures()  # c2 was handled there, but raised in A2
    assert {r.key: r.meetings.meetings for r in commune.by_unit} == {"A-KT": 0, "A-MT": 0, "A1": 2, "A2": 1}
    # A village's own report: nothing below it, its own row only.
    village = report(service, world["off_a"], unit="A1")
    assert village.totals.received == 3 and [r.key for r in village.by_unit] == ["A1"]


def test_cases_at_the_asked_unit_itself_get_a_direct_row(october, world, service, clock):
    clock.set(at(2026, 10, 22))
    world.new_case("off_a", "A", topic="khac", received_at=at(2026, 10, 22).isoformat())
    rep = report(service, world["lead_a"], unit="A")
    assert rep.by_unit[0].key == "A" and rep.by_unit[0].label == "Xã A (trực tiếp)"
    assert rep.by_unit[0].cases.received == 1 and rep.totals.received == 6


def test_period_boundaries_are_local_days(october, world, service, sessions):
    # c3 at 00:30 on 1 October and c4 at 23:30 on 30 September are both 30/09 in UTC.
    with sessions() as s:
        utc_days = {r[0]: r[1] for r in s.execute(select(CaseFacts.topic, CaseFacts.received_at)
                                                    .where(CaseFacts.topic.in_(("giao_thong",))))}
    assert utc_days["giao_thong"].astimezone(timezone.utc).date() == date(2026, 9, 30)
    september = report(service, SYSTEM, date(2026, 9, 1), date(2026, 9, 30))
    assert september.totals.received == 1 and [r.key for r in september.by_topic] == ["dien_nuoc"]
    assert rows(september.by_unit)["B"].received == 1
    assert september.meetings.as_dict() == dict(meetings=1, attendees=20, participations=0, units=1)
    october_rep = report(service, SYSTEM)
    assert "giao_thong" in rows(october_rep.by_topic)
    # A one-day period: only what was received that local day.
    first = report(service, SYSTEM, date(2026, 10, 1), date(2026, 10, 1))
    assert first.totals.received == 2  # c3 (00:30) and c6 (09:00); c4 belongs to 30/09


def test_status_is_taken_at_the_end_of_the_period(october, world, service):
    # c8 was answered in October and closed on 2 November.
    oct_only = report(service, SYSTEM, programme=MT)
    assert (oct_only.totals.received, oct_only.totals.answered_on_site, oct_only.totals.resolved) == (1, 1, 0)
    two_months = report(service, SYSTEM, date(2026, 10, 1), date(2026, 11, 30), programme=MT)
    assert two_months.totals.resolved == 1 and two_months.totals.on_time == 1
    assert two_months.resolved_by_month == (("2026-10", 0), ("2026-11", 1))
    assert two_months.meetings.as_dict() == dict(meetings=1, attendees=10, participations=0, units=1)  # A1 02/11 is nghe-dan-noi
    # c4 (received 30/09, due mid-October, untouched) is overdue at the end of a
    # period that covers it, not at the end of September.
    assert report(service, SYSTEM, date(2026, 9, 1), date(2026, 9, 30)).totals.still_overdue == 0
    autumn = report(service, SYSTEM, date(2026, 9, 1), date(2026, 10, 31))
    assert autumn.totals.still_overdue == 2  # c3 and c4
    assert [(r.key, r.cases.received) for r in autumn.by_month] == [("2026-09", 1), ("2026-10", 8)]


def test_still_overdue_follows_the_deadline_in_force_at_the_end(october, world, service, clock):
    # c3 was escalated on 02/10 with an answer promised for 09/10 17:00: overdue at
    # the end of that day, not at the end of a period that ended before it.
    assert report(service, SYSTEM, date(2026, 10, 1), date(2026, 10, 8)).totals.still_overdue == 0
    assert report(service, SYSTEM, date(2026, 10, 1), date(2026, 10, 9)).totals.still_overdue == 1
    # Answered later (in November): October's figures do not change.
    clock.set(at(2026, 11, 24))
    service.fire(world["off_kt"], october.codes["c3"], "answer", {"answer": "Đã vá đường"})
    assert report(service, SYSTEM).totals.still_overdue == 1


def test_programme_filter(october, world, service):
    rep = report(service, SYSTEM, programme=NDN)
    assert rep.totals.received == 7 and rep.meetings.as_dict() == dict(meetings=3, attendees=125, participations=0, units=3)
    with pytest.raises(InvalidField):
        report(service, SYSTEM, programme="khong-co")


def test_scope_other_units_do_not_exist(october, world, service):
    with pytest.raises(NotFound):
        report(service, world["off_b"], unit="A")
    with pytest.raises(NotFound):
        report(service, world["lead_a"], unit="P")
    with pytest.raises(NotFound):
        report(service, world["aud_p"], unit="NO-SUCH")
    # Without a unit: the actor's own subtree, nothing else.
    own = report(service, world["off_b"])
    assert own.unit == "B" and own.totals == figs(received=2, answered_on_site=1, closed_other=1)
    assert own.meetings.meetings == 1
    # Origin decides: the department handled c2 and c3 but raised none of them.
    assert report(service, world["lead_kt"]).totals == Figures()


def test_actor_with_two_subtrees_gets_one_row_each(october, world, service, sessions):
    from engine.models import RoleGrant, User
    from engine.services import directory

    with service.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == "off_b"))
        uow.session.add(RoleGrant(user_id=user.id, role="official",
                                  unit_id=directory.unit_by_code(uow.session, "P-SO").id))
        uow.commit()
    with sessions() as s:
        actor = directory.actor_for(s, "off_b")
    rep = report(service, actor)
    assert rep.unit is None and [r.key for r in rep.by_unit] == ["B", "P-SO"]
    assert rep.totals.received == 3


def test_bad_periods_are_refused():
    with pytest.raises(InvalidField):
        Period(date(2026, 10, 2), date(2026, 10, 1))
    with pytest.raises(InvalidField):
        Period.of("2026-13-01", "2026-12-31")
    assert Period.of("01/10/2026", "2026-10-31") == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert Period.preset("2024-H1") == Period(date(2024, 1, 1), date(2024, 6, 30))
    assert Period.preset("2024-q4") == Period(date(2024, 10, 1), date(2024, 12, 31))
    assert Period.preset("2024-02") == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert Period.preset("2024").months()[-1] == "2024-12"
    with pytest.raises(InvalidField):
        Period.preset("2024-H3")


def test_officials_read_reports_but_unknown_roles_do_not(october, world, service):
    assert report(service, world["off_a"], unit="A").totals.received == 5
    from engine.actors import Actor, Grant

    stranger = Actor(user_id=999, username="x", grants=(Grant("visitor", 1, "P", "/1/"),))
    with pytest.raises(RoleNotAllowed):
        report(service, stranger, unit="P")


def test_the_projection_agrees_with_the_history(october, sessions, engine):
    def snapshot() -> list[tuple]:
        with engine.connect() as conn:
            cols = ", ".join(FACT_COLUMNS)
            return [tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM case_facts ORDER BY case_id"))]

    kept = snapshot()
    assert len(kept) == 9
    with engine.begin() as conn:
        assert rebuild_facts(conn) == 9
    assert snapshot() == kept
    # And a projection gone wrong is repaired from the history.
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_facts SET resolved_at = NULL, satisfaction = NULL"))
        rebuild_facts(conn, [1, 2, 3])
        rebuild_facts(conn, range(4, 20))
    assert snapshot() == kept


def test_the_database_does_the_counting(world, service, clock, engine):
    """The report's statements are the same in number whatever the number of cases,
    never read the cases' rows, and aggregate with GROUP BY."""

    def add_cases(n: int) -> None:
        clock.set(at(2026, 10, 5))
        service.create_many(world["off_a"], [
            NewCase(workflow=NDN, unit="A1" if i % 2 else "A2", topic="dien_nuoc", kind="kien_nghi",
                    content=f"Ý kiến {i}") for i in range(n)])

    def statements_of_a_report() -> list[str]:
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            clock.set(at(2026, 11, 23))
            rep = report(service, SYSTEM)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return [rep.totals.received, *seen]  # type: ignore[list-item]

    add_cases(3)
    small = statements_of_a_report()
    add_cases(120)
    large = statements_of_a_report()
    assert (small[0], large[0]) == (3, 123)
    # 20: the scope and its coverage over time (units, their former places), the two status runs
    # (period end, as of the report's day: the facts of partial months, the roll-up's whole months
    # and their resolutions by month), carried over (facts, roll-up, the reopened few), the
    # meetings' breakdowns, the stages held at the report's own level (engine.reports.levels);
    # none per case.
    assert len(small) == len(large) <= 20
    reads = [s for s in large[1:] if "case_facts" in s]
    assert reads and all("GROUP BY" in s or "count(" in s.lower() for s in reads)
    assert not [s for s in large[1:] if "FROM cases" in s]
