"""The 2025 reform: two communes merge into a new one and the district is abolished
on 1 July 2025 (tests/reform_support.py). The new commune's people see, list and act
on their predecessors' open cases; nothing is handed to a unit no longer in force;
alerts reach the successor's leaders; the old cases keep their units."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from engine.actors import Grant
from engine.deadline_rules import sweep
from engine.disclosure import FULL, WITHHELD
from engine.errors import InvalidField, OutOfScope
from engine.listing import CaseQuery, page_cases
from engine.models import Case, OutboxMessage, Unit, User
from engine.reports import Period, ReportRequest, build_report
from engine.services import directory
from engine.services import units as unit_changes
from engine.services.cases import NewCase
from engine.succession import in_force, in_force_successor, inherited_grants
from notifications.recipients import recipients_for

from .reform_support import REFORM_DAY, apply_reform, build_reform, local


@pytest.fixture
def reform(service, clock):
    r = build_reform(service, clock)
    apply_reform(r)
    return r


def user_id(sessions, username: str) -> int:
    with sessions() as s:
        return s.scalar(select(User.id).where(User.username == username))


def units_of(sessions, code: str) -> tuple[str, str]:
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        return case.origin_unit.code, case.handling_unit.code


def listed(service, actor) -> set[str]:
    with service.session_factory() as s:
        return {row.code for row in page_cases(s, actor, CaseQuery(), limit=100).items}


def test_the_successor_sees_lists_and_acts_on_its_predecessors_cases_from_the_day(service, clock):
    r = build_reform(service, clock)
    clock.set(local(2025, 6, 30))
    with pytest.raises(OutOfScope):  # nothing merged yet: another commune's case
        service.get(r.actor("off_c"), r.codes["a_open"])
    apply_reform(r)
    off_c = r.actor("off_c")
    predecessors = {r.codes[k] for k in ("a1_resolved", "a1_open", "a_open", "b1_june", "b1_late_june", "b_open")}
    assert listed(service, off_c) == predecessors  # not E's: E was re-parented, not merged
    assert service.get(off_c, r.codes["a_open"]).state == "received"
    done = service.fire(off_c, r.codes["a_open"], "answer_on_site", {"answer": "Xã C đã trả lời"})
    assert done.state == "answered_on_site"
    # History is not rewritten: the case still names the commune that received it.
    assert units_of(service.session_factory, r.codes["a_open"]) == ("A", "A")
    assert listed(service, r.actor("off_e")) == {r.codes["e1_open"]}


def test_a_merger_decided_ahead_takes_effect_only_on_its_day(service, clock):
    r = build_reform(service, clock)
    clock.set(local(2025, 6, 20))
    with service.uow() as uow:
        unit_changes.merge_units(uow.session, ["A"], "C", REFORM_DAY)
        uow.commit()
    assert listed(service, r.actor("off_c")) == set()
    clock.set(local(2025, 7, 1))
    assert r.codes["a_open"] in listed(service, r.actor("off_c"))


def test_nothing_is_created_in_or_handed_to_a_unit_no_longer_in_force(reform, service, clock):
    clock.set(local(2025, 7, 10))
    for unit in ("B1", "B", "D"):  # B1 has no end date, but its commune ended
        with pytest.raises(InvalidField) as refused:
            service.create(reform.actor("lead_p"), NewCase(workflow="nghe-dan-noi", unit=unit, topic="dien_nuoc",
                                                           kind="kien_nghi", content="Mới"))
        assert "không còn hiệu lực" in refused.value.message("vi")
    with pytest.raises(InvalidField) as refused:
        service.fire(reform.actor("off_c"), reform.codes["a1_open"], "escalate",
                     {"target_unit": "D", "reason": "lên huyện"})
    assert refused.value.params["field"] == "target_unit"
    # A1 was re-parented to C: it goes on taking opinions, now under C.
    code = reform.new_case("off_c", "A1", local(2025, 7, 11))
    assert units_of(service.session_factory, code) == ("A1", "A1")
    # A case received before the change keeps its unit although the unit ended since.
    assert units_of(service.session_factory, reform.codes["b1_june"]) == ("B1", "B1")


def test_auto_escalation_goes_to_the_successor_never_to_the_abolished_units(reform, service, clock):
    when = local(2025, 7, 21, 9)
    clock.set(when)
    result = sweep(service, when)
    assert result.escalations == 6
    assert units_of(service.session_factory, reform.codes["a1_open"])[1] == "C"  # A1 re-parented to C
    assert units_of(service.session_factory, reform.codes["b1_june"])[1] == "C"  # parent B ended → C
    assert units_of(service.session_factory, reform.codes["b1_late_june"])[1] == "C"
    assert units_of(service.session_factory, reform.codes["b_open"])[1] == "P"  # district D abolished → P
    assert units_of(service.session_factory, reform.codes["a_open"])[1] == "P"
    assert units_of(service.session_factory, reform.codes["e1_open"])[1] == "E"  # E in force, under P now


def test_alerts_of_a_predecessors_case_reach_the_successors_leaders(reform, service, sessions, clock):
    lead_c, lead_b, lead_a = (user_id(sessions, u) for u in ("lead_c", "lead_b", "lead_a"))
    # A person's step on a case still handled by commune A: C's leaders hear of it.
    clock.set(local(2025, 7, 2))
    service.fire(reform.actor("off_c"), reform.codes["a_open"], "answer_on_site", {"answer": "Xã C đã trả lời"})
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == reform.codes["a_open"]))
        msg = s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                    OutboxMessage.kind == "case.transitioned")).one()
        told = recipients_for(s, msg)
    assert lead_c in told and lead_a not in told
    # The sweep's overdue alert of a case handled by village B1 (under the ended B).
    when = local(2025, 7, 21, 9)
    clock.set(when)
    sweep(service, when)
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == reform.codes["b1_late_june"]))
        overdue = list(s.scalars(select(OutboxMessage.recipient_user_id).where(
            OutboxMessage.case_id == case_id, OutboxMessage.kind == "deadline.overdue")))
    assert overdue and set(overdue) == {lead_c}
    assert lead_b not in overdue


def report(reform, username: str, unit: str, period: str, as_of: str | None = None) -> dict:
    with reform.service.session_factory() as s:
        rep = build_report(s, reform.actor(username), ReportRequest(Period.preset(period), unit=unit, as_of=as_of),
                           now=reform.clock.now())
    out = rep.as_dict()
    out.pop("generated_at")
    return out


def test_reports_keep_the_abolished_district_and_split_the_successors_year(service, clock):
    r = build_reform(service, clock)
    clock.set(local(2025, 7, 1, 7))
    # As of the period's last day both times: the report "as of today" moves on by design.
    district_before = report(r, "lead_p", "D", "2025-H1", as_of="2025-06-30")
    assert district_before["totals"]["received"] == 7 and district_before["totals"]["resolved"] == 1
    assert report(r, "lead_c", "C", "2025")["totals"]["received"] == 0
    apply_reform(r)
    r.new_case("off_c", "A1", local(2025, 7, 11))
    r.new_case("off_c", "C", local(2025, 7, 15))
    service.fire(r.actor("off_c"), r.codes["a_open"], "answer_on_site", {"answer": "Xã C đã trả lời"})
    clock.set(local(2026, 1, 5))

    # The district's first half of 2025, as it was printed before the reform.
    assert report(r, "lead_p", "D", "2025-H1", as_of="2025-06-30") == district_before
    by_unit = {row["key"]: row["received"] for row in district_before["by_unit"]}
    assert by_unit == {"A": 3, "B": 3, "E": 1}

    # The new commune's 2025: its predecessors' six opinions and its own two, split at 1/7.
    year = report(r, "lead_c", "C", "2025")
    assert year["totals"]["received"] == 8 and year["totals"]["resolved"] == 1
    assert [(row["label"], row["received"]) for row in year["split"]] == [
        ("Tiếp nhận trước ngày 01/07/2025", 6), ("Tiếp nhận từ ngày 01/07/2025", 2)]
    rows = {row["key"]: (row["label"], row["received"]) for row in year["by_unit"]}
    assert rows["A"] == ("Xã A (hợp nhất vào Xã C từ ngày 01/07/2025)", 1)
    assert rows["B"] == ("Xã B (hợp nhất vào Xã C từ ngày 01/07/2025)", 3)
    assert rows["A1"][1] == 3  # re-parented to C: its cases before and after
    assert sum(row["received"] for row in year["by_unit"]) == 8
    # The province counts every opinion once, wherever its units moved.
    assert report(r, "lead_p", "P", "2025")["totals"]["received"] == 9
    # A report of the first half, before the change, has nothing to split.
    assert report(r, "lead_c", "C", "2025-H1")["split"] == []


def test_a_list_filtered_on_the_successor_includes_its_predecessors_from_the_day(service, clock):
    r = build_reform(service, clock)
    clock.set(local(2025, 6, 20))
    with service.uow() as uow:
        unit_changes.merge_units(uow.session, ["A", "B"], "C", REFORM_DAY)
        uow.commit()

    def on_c(who: str) -> set[str]:
        with service.session_factory() as s:
            return {row.code for row in page_cases(s, r.actor(who), CaseQuery(unit="C"), limit=100).items}

    assert on_c("lead_p") == set()  # decided, not yet in force
    clock.set(local(2025, 7, 1))
    expected = {r.codes[k] for k in ("a1_resolved", "a1_open", "a_open", "b1_june", "b1_late_june", "b_open")}
    assert on_c("lead_p") == on_c("off_c") == expected


def test_a_denouncers_identity_passes_to_the_successors_leaders_only(service, clock):
    r = build_reform(service, clock)
    code = r.new_case("off_a", "A", local(2025, 6, 10), kind="to_cao", content="Tố cáo")
    clock.set(local(2025, 6, 30))
    with pytest.raises(OutOfScope):
        service.get(r.actor("lead_c"), code)
    apply_reform(r)
    clock.set(local(2025, 7, 2))
    assert service.get(r.actor("lead_c"), code).citizen.disclosure == FULL  # C now handles A's work
    assert service.get(r.actor("off_c"), code).citizen.disclosure == WITHHELD
    with pytest.raises(OutOfScope):  # B merged into C too, but B's people do not take over A's work
        service.get(r.actor("lead_b"), code)


def test_successor_chains_follow_two_mergers_and_a_loop_in_the_data_ends(service, clock):
    rows = ("code,name,level,parent_code,valid_from,valid_to,successor_code\n"
            "P,P,province,,,,\nX,X,commune,P,,2024-01-01,Y\nX1,X1,village,X,,,\n"
            "Y,Y,commune,P,2024-01-01,2025-07-01,Z\nZ,Z,commune,P,2025-07-01,,\n")
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(rows)))
        uow.commit()
    with service.session_factory() as s:
        unit = {u.code: u for u in s.scalars(select(Unit))}
        assert in_force(s, unit["X1"], date(2023, 12, 31))  # in force before X ended
        assert not in_force(s, unit["X1"], date(2024, 1, 1))  # ended with X
        assert in_force_successor(s, unit["X1"], date(2024, 6, 1)).code == "Y"
        assert in_force_successor(s, unit["X1"], date(2025, 7, 1)).code == "Z"
        z = (Grant("official", unit["Z"].id, "Z", unit["Z"].path),)
        assert {g.unit_code for g in inherited_grants(s, z, date(2025, 7, 1))} == {"X", "Y"}
        assert {g.unit_code for g in inherited_grants(s, z, date(2025, 6, 30))} == set()
        unit["Z"].valid_to, unit["Z"].successor_id = date(2026, 1, 1), unit["X"].id  # a loop, written by hand
        s.flush()
        assert in_force_successor(s, unit["X1"], date(2026, 2, 1)) is None
        assert {g.unit_code for g in inherited_grants(s, z, date(2026, 2, 1))} == {"X", "Y"}
        s.rollback()
