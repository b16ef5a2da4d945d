"""Property: on random histories (the roll-up property test's random walks and random
merger of communes, with or without a village moved), the public statistics read
from the report roll-ups equal the counts straight from ``case_facts`` under today's
tree, figure for figure, for the unit and each child, month by month, for several
units and month ranges — and so does what the page publishes (suppressed). Where
nothing was re-parented the roll-up is what answers (the equality is not vacuous).
Both backends."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.models import Unit
from engine.reports.public_stats import counts, facts_counts, read, rollups_answer

from .test_reports_property import example_dir, fresh_world, walk  # noqa: F401  (the fixture)
from .test_rollups_property import merge

UNITS = ("A", "B", "A1", "B1", "P-SO", "P")
MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03")


# No shrinking, as in the roll-up property test: an example is a whole database.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_the_public_figures_from_the_roll_ups_equal_the_facts(data, _template, example_dir, workflows):
    with fresh_world(_template, example_dir, workflows) as (world, service, clock, engine):
        cases: list[str] = []
        walk(data, service, clock, cases)
        merger = merge(data, service, clock)
        if data.draw(st.booleans(), label="read after the merger's day"):
            clock.advance(timedelta(days=45))  # the predecessor is then in the successor's coverage
        now = clock.now()
        today: date = now.astimezone(LOCAL_TZ).date()
        with service.uow(write=False) as uow:
            s = uow.session
            if merger == "none":
                assert rollups_answer(s, s.scalar(select(Unit).where(Unit.code == "P")), today)
            asks = [("P", MONTHS[0], MONTHS[-1])]  # everything, then random units and ranges
            for _ in range(4):
                i = data.draw(st.integers(0, len(MONTHS) - 1), label="first")
                j = data.draw(st.integers(i, len(MONTHS) - 1), label="last")
                asks.append((data.draw(st.sampled_from(UNITS), label="unit"), MONTHS[i], MONTHS[j]))
            for code, first, last in asks:
                unit = s.scalar(select(Unit).where(Unit.code == code))
                kids = list(s.scalars(select(Unit).where(Unit.parent_id == unit.id)))
                fast = counts(s, unit, kids, first, last, today)
                slow = facts_counts(s, [unit, *kids], first, last)
                assert fast == slow, (merger, code, first, last,
                                      sorted((k, fast.get(k), slow.get(k)) for k in set(fast) | set(slow)
                                             if fast.get(k) != slow.get(k))[:6])
                assert read(s, unit, first, last, now) == read(s, unit, first, last, now, use_rollups=False)
