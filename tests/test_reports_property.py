"""Property: on random histories (random walks through the workflows, extensions,
deadline sweeps with their auto-escalations), the SQL report agrees with a
case-by-case recount from each case's history, for random periods; and the facts
projection kept by the event hook equals the one recomputed from the history."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from engine.actors import SYSTEM
from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.db import make_engine, make_session_factory
from engine.services.cases import CaseService
from engine.deadline_rules import sweep
from engine.errors import DomainError
from engine.reports import Period, ReportRequest, build_report
from engine.reports.facts import FACT_COLUMNS, rebuild_facts
from engine.services.cases import NewCase

from .conftest import PG_URL, truncate_all
from .test_reports_support import MT, NDN, at
from .world import build_world

UNITS = ("A1", "A2", "B1", "A", "P-SO")
TARGETS = ("A-KT", "P-SO", "A", "B")
TOPICS = ("dien_nuoc", "dat_dai", "y_te")


def recount(service, codes: list[str], period: Period) -> Counter:
    """The report's figures, case by case, from the event histories alone."""
    start, end = period.start_utc, period.end_utc
    out: Counter = Counter()
    for code in codes:
        snap = service.get(SYSTEM, code)
        if not start <= snap.received_at < end:
            continue
        events = [e for e in service.history(SYSTEM, code) if e.at < end]
        moved = [e for e in events if e.from_state != e.to_state]
        out["received"] += 1
        out["answered_on_site"] += any(e.to_state == "answered_on_site" for e in moved)
        out["escalated"] += any(e.trigger in ("escalate", "auto_escalate") for e in events)
        up = any(e.data.get("escalation") == "up" for e in events)
        out["proposed_higher"] += up
        out["transferred_within"] += not up and any(e.data.get("escalation") == "across" for e in events)
        resolved = any(e.to_state == "resolved" for e in moved)
        closed = resolved or any(e.to_state in ("merged", "withdrawn") for e in moved)
        out["resolved"] += resolved
        out["closed_other"] += closed and not resolved
        outcomes = {e.data.get("stage_outcome") for e in events}
        if resolved:
            key = "late" if "missed" in outcomes else "extended" if "met_after_extension" in outcomes else "on_time"
            out[key] += 1
        if not closed:
            state_events = [e for e in events if e.trigger not in ("remark", "urge", "confirm")]
            due = state_events[-1].data.get("due_at") if state_events else None
            out["still_overdue"] += due is not None and datetime.fromisoformat(due) < end
        rated = [e for e in service.history(SYSTEM, code) if e.data.get("satisfaction")]
        if rated and rated[-1].at < end:
            out[rated[-1].data["satisfaction"]] += 1
    return out


def walk(data, service, clock, codes: list[str]) -> None:  # type: ignore[no-untyped-def]
    """New opinions and moves on them, interleaved, over a few months."""

    def new() -> None:
        snap = service.create(SYSTEM, NewCase(
            workflow=data.draw(st.sampled_from((NDN, MT)), label="programme"),
            unit=data.draw(st.sampled_from(UNITS), label="unit"),
            topic=data.draw(st.sampled_from(TOPICS), label="topic"), kind="kien_nghi", content="Ý kiến",
            received_at=(clock.now() - timedelta(hours=data.draw(st.integers(0, 30), label="late typing")))))
        codes.append(snap.code)

    new()
    for _ in range(data.draw(st.integers(10, 40), label="steps")):
        clock.advance(timedelta(hours=data.draw(st.sampled_from((1, 4, 20, 70, 200)), label="wait")))
        move = data.draw(st.sampled_from(("new", "fire", "fire", "fire", "fire", "extend", "remark", "sweep")),
                         label="move")
        code = data.draw(st.sampled_from(codes), label="case")
        try:
            if move == "new":
                new()
            elif move == "sweep":
                sweep(service, clock.now())
            elif move == "extend":
                service.extend(SYSTEM, code, data.draw(st.integers(1, 3), label="days"), "Cần thêm thời gian")
            elif move == "remark":
                service.remark(SYSTEM, code, "Đôn đốc", kind="urge")
            else:
                options = service.allowed_actions(SYSTEM, code)
                # Closing a case early (merge, withdraw) is rare, as in the field.
                onward = [o for o in options if o.trigger not in ("merge", "withdraw")]
                if data.draw(st.integers(0, 9), label="close early") == 0 or not onward:
                    onward = options
                if not onward:
                    continue
                option = data.draw(st.sampled_from(onward), label="trigger")
                fields = {"answer": "Trả lời", "reason": "Lý do", "note": "Ghi chú",
                          "satisfaction": data.draw(st.sampled_from(("satisfied", "not_satisfied")), label="sat"),
                          "target_unit": data.draw(st.sampled_from(TARGETS), label="target")}
                if "duplicate_of" in option.requires:
                    others = [c for c in codes if c != code]
                    if not others:
                        continue
                    fields["duplicate_of"] = data.draw(st.sampled_from(others), label="original")
                given = {k: v for k, v in fields.items() if k in option.requires}
                if "appointment" in option.optional and data.draw(st.booleans(), label="appointment"):
                    given["appointment"] = (clock.now() + timedelta(days=data.draw(st.integers(1, 14)))).isoformat()
                service.fire(SYSTEM, code, option.trigger, given)
        except DomainError:
            pass  # a refused move (target = handling unit, extension too late, …) changes nothing


@contextmanager
def fresh_world(template: str, tmp_dir: Path, workflows) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """An empty migrated database and the test world, for one example."""
    if PG_URL:
        url = PG_URL
        eng = make_engine(url)
        truncate_all(eng)
    else:
        target = tmp_dir / f"example-{next(_counter)}.db"
        shutil.copyfile(template, target)
        eng = make_engine(f"sqlite:///{target}")
    clock = FrozenClock(at(2026, 9, 1))
    service = CaseService(make_session_factory(eng), workflows, clock)
    try:
        yield build_world(service), service, clock, eng
    finally:
        if PG_URL:
            truncate_all(eng)  # the next test expects the shared database empty
        eng.dispose()


_counter = itertools.count()


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_report_agrees_with_a_recount_of_every_history(data, _template, example_dir, workflows):
    with fresh_world(_template, example_dir, workflows) as (world, service, clock, engine):
        cases: list[str] = []
        walk(data, service, clock, cases)
        check(data, service, clock, engine, cases)


def check(data, service, clock, engine, cases: list[str]) -> None:  # type: ignore[no-untyped-def]
    today = clock.now().astimezone(LOCAL_TZ).date()
    first = date(2026, 9, 1)
    periods = [Period(first, today + timedelta(days=30))]  # everything, some of it still open
    for _ in range(3):
        a = first + timedelta(days=data.draw(st.integers(0, max(0, (today - first).days)), label="from"))
        periods.append(Period(a, a + timedelta(days=data.draw(st.integers(0, 60), label="length"))))
    for period in periods:
        with service.uow(write=False) as uow:
            rep = build_report(uow.session, SYSTEM, ReportRequest(period), now=clock.now())
        got = {k: v for k, v in rep.totals.as_dict().items() if isinstance(v, int) and v and k != "in_progress"}
        expected = {k: v for k, v in recount(service, cases, period).items() if v}
        assert got == expected, (period, got, expected)
        assert sum(r.cases.received for r in rep.by_month) == rep.totals.received
        assert sum(n for _, n in rep.resolved_by_month) == rep.totals.resolved
    with engine.connect() as conn:
        kept = conn.execute(text(f"SELECT {', '.join(FACT_COLUMNS)} FROM case_facts ORDER BY case_id")).all()
    with engine.begin() as conn:
        rebuild_facts(conn)
        again = conn.execute(text(f"SELECT {', '.join(FACT_COLUMNS)} FROM case_facts ORDER BY case_id")).all()
    assert again == kept
    assert len(kept) == len(cases)
