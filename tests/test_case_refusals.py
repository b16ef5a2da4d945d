"""Every kind of refusal, and that a refused request leaves nothing behind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import (InvalidField, InvalidTransition, MissingField, NotFound, OutOfScope, RoleNotAllowed,
                           StaleVersion)
from engine.models import Case, CaseEvent, OutboxMessage
from engine.services.cases import NewCase

from .conftest import HCM


def counts(sessions) -> tuple[int, int, int]:
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(CaseEvent)),
                s.scalar(select(func.count()).select_from(OutboxMessage)))


def test_trigger_not_allowed_from_state_names_the_allowed_ones(world, service, sessions):
    case = world.new_case()
    before = counts(sessions)
    with pytest.raises(InvalidTransition) as err:
        service.fire(world["lead_a"], case.code, "resolve")
    assert err.value.params["allowed"] == ["answer_on_site", "escalate", "merge", "withdraw"]
    assert "escalate" in err.value.message("vi") and "Đã" not in err.value.params["trigger"]
    with pytest.raises(InvalidTransition):
        service.fire(world["lead_a"], case.code, "no_such_trigger")
    assert counts(sessions) == before


def test_role_not_allowed(world, service):
    case = world.new_case()
    with pytest.raises(RoleNotAllowed) as err:
        service.fire(world["aud_p"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    assert err.value.params["roles"] == ["official", "leader"]
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "a"})
    with pytest.raises(RoleNotAllowed):  # only leaders verify
        service.fire(world["off_a"], case.code, "verify", {"satisfaction": "satisfied", "note": "n"})
    assert service.get(world["off_a"], case.code).state == "answered_on_site"


def test_answer_needs_a_grant_on_the_handling_unit(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "P-SO", "reason": "r"})
    # The commune official still sees the case but cannot answer for the department.
    with pytest.raises(RoleNotAllowed):
        service.fire(world["off_a"], case.code, "answer", {"answer": "a"})
    assert service.fire(world["off_so"], case.code, "answer", {"answer": "a"}).state == "answered"


def test_case_outside_the_actors_units(world, service):
    case = world.new_case()
    with pytest.raises(OutOfScope):
        service.get(world["off_b"], case.code)
    with pytest.raises(OutOfScope):
        service.fire(world["lead_b"], case.code, "withdraw", {"reason": "x"})
    with pytest.raises(OutOfScope):
        service.create(world["off_b"], NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi",
                                               content="x"))
    with pytest.raises(NotFound):
        service.get(world["off_a"], "P-2026-ZZZZZZZ")
    with pytest.raises(NotFound):
        service.get(world["off_a"], "'; DROP TABLE cases; --")


def test_required_field_missing(world, service, sessions):
    case = world.new_case()
    before = counts(sessions)
    with pytest.raises(MissingField) as err:
        service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT"})
    assert err.value.params == {"field": "reason", "trigger": "escalate"}
    with pytest.raises(MissingField):
        service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "   "})
    assert counts(sessions) == before


@pytest.mark.parametrize("data, field", [
    ({"target_unit": "NOWHERE", "reason": "r"}, "target_unit"),
    ({"target_unit": "A1", "reason": "r"}, "target_unit"),  # already there
    ({"target_unit": ["A-KT"], "reason": "r"}, "target_unit"),
    ({"target_unit": "A-KT", "reason": 42}, "reason"),
    ({"target_unit": "A-KT", "reason": "x" * 4001}, "reason"),
    ({"target_unit": "A-KT", "reason": "r", "appointment": "tomorrow"}, "appointment"),
    ({"target_unit": "A-KT", "reason": "r", "appointment": "2026-12-01T10:00:00"}, "appointment"),  # no zone
    ({"target_unit": "A-KT", "reason": "r", "appointment": "2026-11-20T10:00:00+07:00"}, "appointment"),  # past
    ({"target_unit": "A-KT", "reason": "r", "appointment": "2027-03-01T10:00:00+07:00"}, "appointment"),  # > 15 wd
    ({"target_unit": "A-KT", "reason": "r", "satisfaction": "satisfied"}, "satisfaction"),  # not accepted here
])
def test_invalid_fields(world, service, sessions, data, field):
    case = world.new_case()
    before = counts(sessions)
    with pytest.raises(InvalidField) as err:
        service.fire(world["off_a"], case.code, "escalate", data)
    assert err.value.params["field"] == field
    assert err.value.message("vi") and err.value.message("en")
    assert counts(sessions) == before
    assert service.get(world["off_a"], case.code).version == 1


def test_appointment_beyond_limit_names_latest_date(world, service):
    case = world.new_case()
    with pytest.raises(InvalidField) as err:
        service.fire(world["off_a"], case.code, "escalate",
                     {"target_unit": "A-KT", "reason": "r", "appointment": "2027-03-01T10:00:00+07:00"})
    # Mon 23/11 + 15 working days (24/11 off) → Tue 15/12.
    assert "15/12/2026" in err.value.message("vi")


@pytest.mark.parametrize("field, value", [
    ("topic", "roads"), ("kind", None), ("channel", "telegram"), ("content", ""), ("content", "x" * 10_001),
    ("content", 123), ("citizen_phone", "call me"), ("unit", "NOWHERE"), ("workflow", "no-such"),
    ("received_at", "2026-12-24T08:00:00+07:00"), ("meeting_id", 999), ("handling_unit", "ZZ"),
])
def test_create_rejects_bad_input_and_writes_nothing(world, service, sessions, field, value):
    base = dict(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Nội dung")
    base[field] = value
    before = counts(sessions)
    with pytest.raises(InvalidField) as err:
        service.create(world["off_a"], NewCase(**base))
    assert err.value.params["field"] == field
    assert counts(sessions) == before


def test_batch_intake_is_all_or_nothing(world, service, sessions):
    good = NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Một")
    bad = NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="")
    before = counts(sessions)
    with pytest.raises(InvalidField):
        service.create_many(world["off_a"], [good, good, bad])
    assert counts(sessions) == before
    assert len(service.create_many(world["off_a"], [good, good])) == 2


def test_auditor_cannot_record_opinions(world, service):
    with pytest.raises(RoleNotAllowed):
        service.create(world["aud_p"], NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac",
                                               kind="kien_nghi", content="x"))


def test_html_and_sql_are_stored_verbatim(world, service, sessions):
    text = "<script>alert('x')</script> '; DELETE FROM cases; -- đường"
    case = world.new_case(content=text)
    assert service.get(world["off_a"], case.code).content == text
    # A NUL is refused rather than silently dropped (engine.services.fields): nothing is written.
    before = counts(sessions)
    with pytest.raises(InvalidField) as err:
        world.new_case(content=text.replace("--", "-- \u0000"))
    assert err.value.params["field"] == "content" and "U+0000" in err.value.message("en")
    assert counts(sessions) == before


def test_stale_version_is_refused(world, service, sessions):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "a"}, expected_version=1)
    before = counts(sessions)
    with pytest.raises(StaleVersion) as err:
        service.fire(world["lead_a"], case.code, "withdraw", {"reason": "r"}, expected_version=1)
    assert err.value.params["actual"] == 2
    assert counts(sessions) == before


def test_replayed_action_is_refused_by_state(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "a"})
    with pytest.raises(InvalidTransition):
        service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "a"})


def test_final_states_allow_nothing(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "withdraw", {"reason": "r"})
    assert service.allowed_actions(world["lead_a"], case.code) == []
    with pytest.raises(InvalidTransition) as err:
        service.fire(world["lead_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    assert err.value.params["allowed"] == []


def test_unit_no_longer_in_force_is_refused(world, service, clock):
    from engine.services import directory
    with service.uow() as uow:
        unit = directory.unit_by_code(uow.session, "A2")
        unit.valid_to = (clock.now() - timedelta(days=1)).astimezone(HCM).date()
        uow.commit()
    with pytest.raises(InvalidField) as err:
        world.new_case(unit="A2")
    assert "A2" in err.value.message("en")
    # An opinion recorded from a notebook dated before the merger is still accepted.
    old = datetime(2026, 11, 2, 9, tzinfo=HCM)
    assert world.new_case(unit="A2", received_at=old).origin_unit == "A2"
