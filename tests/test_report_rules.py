"""The report's single rules on their own: the class of timeliness, numbers as each
language writes them, up or across for an escalation (on the test world's units), and
which states close a case in the facts projection (the workflows' answer)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.escalation_direction import escalation_direction, level_unit
from engine.models import Unit
from engine.models.reports import FINALITY_KEY, project_event
from engine.numbers import format_number
from engine.reports.timeliness import EXTENDED, LATE, ON_TIME, classify

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def test_timeliness_takes_only_what_happened_before_the_instant():
    end = hours(100)
    assert classify(None, None, None, end) is None
    assert classify(hours(120), None, None, end) is None  # resolved after the instant
    assert classify(hours(10), None, None, end) == ON_TIME
    assert classify(hours(10), hours(5), None, end) == EXTENDED
    assert classify(hours(10), hours(5), hours(8), end) == LATE  # late outranks extended
    # A stage missed after the instant does not make it late yet (the as-of status may).
    assert classify(hours(10), None, hours(150), end) == ON_TIME
    assert classify(hours(10), None, hours(150), hours(200)) == LATE


def test_numbers_in_vietnamese_and_english():
    assert format_number(1146) == "1.146" and format_number(1146, "en") == "1,146"
    assert format_number(31.8) == "31,8" and format_number(31.8, "en") == "31.8"
    assert format_number(1234567.25, "vi", 2) == "1.234.567,25"
    assert format_number(Decimal("0.05")) == "0,1"  # half up, one decimal by default
    assert format_number(100.0) == "100,0" and format_number(0) == "0" and format_number(None) == ""
    assert format_number(-1234) == "-1.234"
    for bad in ("12", True, [1]):
        with pytest.raises(TypeError):
            format_number(bad)


def test_up_or_across_on_the_test_world(world, sessions):
    with sessions() as s:
        u = {x.code: x for x in s.scalars(select(Unit))}
        assert level_unit(u["A1"]).code == "A" and level_unit(u["P-SO"]).code == "P"
        assert level_unit(u["A-KT"]).code == "A" and level_unit(u["P"]).code == "P"
        across = [("A1", "A-KT"), ("A1", "A"), ("A-KT", "A"), ("A2", "A-MT"), ("A", "B"), ("A1", "B1"),
                  ("P-SO", "P")]
        up = [("A1", "P-SO"), ("A", "P"), ("B1", "P"), ("A-KT", "P-SO")]
        assert [escalation_direction(u[a], u[b]) for a, b in across] == ["across"] * len(across)
        assert [escalation_direction(u[a], u[b]) for a, b in up] == ["up"] * len(up)


def event(to_state: str, from_state: str = "verified", **data: object) -> SimpleNamespace:
    return SimpleNamespace(trigger="close", from_state=from_state, to_state=to_state, at=T0, data=data)


def test_which_states_close_a_case_is_the_workflows_answer(service):
    # A programme's own final state counts as resolved when the workflows say it is final.
    assert project_event(event("dong_ho_so"), final=True) == {"resolved_at": T0, "closed_at": T0}
    assert project_event(event("dong_ho_so"), final=False) == {}
    assert project_event(event("merged"), final=True) == {"closed_at": T0}
    # Without an answer (a migration's rebuild) the built-in final states stand in.
    assert project_event(event("resolved")) == {"resolved_at": T0, "closed_at": T0}
    assert project_event(event("escalated", "received", escalation="up")) == {}
    assert project_event(SimpleNamespace(trigger="escalate", from_state="received", to_state="escalated", at=T0,
                                         data={"escalation": "up"})) == {"escalated_at": T0, "escalated_up_at": T0}
    # The case service hands the hook the loaded workflows' answer.
    with service.uow(write=False) as uow:
        is_final = uow.session.info[FINALITY_KEY]
        assert is_final("nghe-dan-noi", "resolved") and is_final("nghe-dan-noi", "withdrawn")
        assert not is_final("nghe-dan-noi", "verified") and not is_final("no-such-programme", "resolved")
