"""Property: on random histories (opinions across units, programmes and months, random
walks through the workflows, extensions, sweeps with their auto-escalations, closings
late and on time), and a random merger of communes with or without a village moved,
the report read from the roll-ups equals the report read from the facts, figure for
figure and row for row (totals, as of the report's day, carried over, by unit, topic,
programme and month, the split at the change), for random units, programmes, periods
(whole months and partial ones) and as-of days; and the roll-up the event hook keeps
equals the one folded again from the facts and the history. Both backends."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from engine.actors import SYSTEM
from engine.calendar import LOCAL_TZ
from engine.models.rollups import COUNTERS, KEY, ReportRollup, fold
from engine.reports import Period, ReportRequest, build_report
from engine.reports.rollup_read import plan
from engine.reports.scope import resolve_scope, with_coverage
from engine.services import units as unit_changes
from engine.workflow.finality import final_states

from .test_reports_property import example_dir, fresh_world, walk  # noqa: F401  (the fixture)
from .test_reports_support import MT, NDN

REPORT_UNITS = (None, "P", "A", "B", "A1")


def rollup_rows(engine) -> dict[tuple, tuple]:  # type: ignore[no-untyped-def]
    """The roll-up's non-zero counters, key by key."""
    t = ReportRollup
    with engine.connect() as conn:
        rows = conn.execute(select(*[getattr(t, k) for k in KEY], *[func.sum(getattr(t, c)) for c in COUNTERS])
                            .group_by(*[getattr(t, k) for k in KEY])).all()
    return {tuple(r[:len(KEY)]): tuple(r[len(KEY):]) for r in rows if any(r[len(KEY):])}


def differences(a, b) -> list[str]:  # type: ignore[no-untyped-def]
    """Where two reports differ, for the failure message."""
    out = []

    def walk_(x, y, where: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y), key=str):
                walk_(x.get(k), y.get(k), f"{where}.{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y)):
                walk_(p, q, f"{where}[{i}]")
        elif x != y:
            out.append(f"{where}: {x!r} != {y!r}")

    walk_(a.as_dict(), b.as_dict(), "")
    return out[:12]


def merge(data, service, clock) -> str:  # type: ignore[no-untyped-def]
    """Commune B merges into A on a day to come, its village moved under A or not."""
    kind = data.draw(st.sampled_from(("none", "merge", "merge_moving")), label="merger")
    if kind == "none":
        return kind
    today = clock.now().astimezone(LOCAL_TZ).date()
    day = today + timedelta(days=data.draw(st.integers(1, 40), label="merger day"))
    if data.draw(st.booleans(), label="on the 1st"):
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    with service.uow() as uow:
        unit_changes.merge_units(uow.session, ["B"], "A", day, move=["B1"] if kind == "merge_moving" else [],
                                 final_states=final_states(service.workflows))
        uow.commit()
    return kind


def periods(data, clock) -> list[Period]:  # type: ignore[no-untyped-def]
    today = clock.now().astimezone(LOCAL_TZ).date()
    out = [Period(date(2026, 9, 1), today + timedelta(days=60))]
    for _ in range(3):
        first = date(2026, 9, 1) + timedelta(days=31 * data.draw(st.integers(0, 4), label="month"))
        first = first.replace(day=1)
        if data.draw(st.booleans(), label="whole months"):
            months = data.draw(st.integers(1, 4), label="months")
            last = (first + timedelta(days=31 * months)).replace(day=1) - timedelta(days=1)
        else:
            first += timedelta(days=data.draw(st.integers(0, 27), label="from"))
            last = first + timedelta(days=data.draw(st.integers(0, 70), label="length"))
        out.append(Period(first, last))
    return out


# No shrinking: an example is a whole database and shrinking one took over five minutes;
# the failure message names the differing figures instead.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_the_roll_up_report_equals_the_facts_report(data, _template, example_dir, workflows):
    with fresh_world(_template, example_dir, workflows) as (world, service, clock, engine):
        cases: list[str] = []
        walk(data, service, clock, cases)
        merger = merge(data, service, clock)
        today = clock.now().astimezone(LOCAL_TZ).date()
        for period in periods(data, clock):
            latest = max(today, period.end)
            as_of = period.end + timedelta(days=data.draw(st.integers(0, max(0, (latest - period.end).days)),
                                                          label="as of"))
            unit = data.draw(st.sampled_from(REPORT_UNITS), label="unit")
            programme = data.draw(st.sampled_from((None, NDN, MT)), label="programme")
            req = ReportRequest(period, unit, programme, as_of)
            with service.uow(write=False) as uow:
                fast = build_report(uow.session, SYSTEM, req, now=clock.now())
                slow = build_report(uow.session, SYSTEM, req, now=clock.now(), use_rollups=False)
            assert fast.as_dict() == slow.as_dict(), (period, unit, programme, as_of, differences(fast, slow))
        if merger == "merge_moving":
            return  # the hook's rows stay under the village's old commune; no report reads them (plan)
        kept = rollup_rows(engine)
        with engine.begin() as conn:
            fold(conn)
        again = rollup_rows(engine)
        assert again == kept, sorted((k, kept.get(k), again.get(k)) for k in set(kept) | set(again)
                                     if kept.get(k) != again.get(k))[:6]


def test_a_whole_months_report_reads_the_roll_up(world, service, clock, engine):
    """Not a vacuous equality: for whole months the figures come from the roll-up
    (a counter changed there changes the report), for a partial month from the facts."""
    clock.advance(timedelta(days=1))
    received = clock.now().astimezone(LOCAL_TZ).date()
    for unit in ("A1", "A2", "A"):
        world.new_case(unit=unit)
    clock.advance(timedelta(days=40))
    month = Period.preset(f"{received:%Y-%m}")
    with service.uow(write=False) as uow:
        scope = with_coverage(uow.session, resolve_scope(uow.session, SYSTEM, "P"), month)
        assert plan(scope, month, None) is not None
        before = build_report(uow.session, SYSTEM, ReportRequest(month, "P"), now=clock.now())
    assert before.totals.received == 3
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_rollups SET received = received + 1 WHERE grain = 'm'"))
    with service.uow(write=False) as uow:
        after = build_report(uow.session, SYSTEM, ReportRequest(month, "P"), now=clock.now())
        day = build_report(uow.session, SYSTEM, ReportRequest(Period(received, received), "P"), now=clock.now())
    assert after.totals.received > 3
    assert day.totals.received == 3  # a partial month: from the facts
