"""Home visits: the visit, its opinions as cases on channel ``home_visit`` and their
link in one transaction (a bad opinion leaves nothing), officials as users or names,
refusals, and the weekly coverage board."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidField, NotFound, UnitNotAllowed
from engine.models import Case, HomeVisit, HomeVisitCase
from engine.services.visits import NewVisit, VisitOpinion, week_of

DAY = date(2026, 11, 20)  # a Friday


@pytest.fixture
def visits(container, world):
    return container.visits


def rows(sessions) -> tuple[int, int, int]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (HomeVisit, HomeVisitCase, Case))  # type: ignore[return-value]


def visit(**kw) -> NewVisit:
    fields = dict(village="A1", visited_on=DAY, households={"poor": 1, "elderly_alone": 1},
                  officials=["off_a", "Bà Năm (Hội Phụ nữ)"],
                  opinions=[VisitOpinion(topic="dien_nuoc", content="Nước sinh hoạt yếu"),
                            VisitOpinion(topic="an_ninh_trat_tu", content="Trộm vặt ban đêm", citizen_name="Lê Văn Tư")])
    fields.update(kw)
    return NewVisit(**fields)  # type: ignore[arg-type]


def test_a_visit_with_its_opinions(visits, service, world, sessions):
    view = visits.record(world["off_a"], visit())
    assert view.households == {"poor": 1, "elderly_alone": 1} and len(view.cases) == 2
    assert view.officials == ("off_a", "Bà Năm (Hội Phụ nữ)")
    for code in view.cases:
        snap = service.get(world["off_a"], code)
        assert (snap.channel, snap.workflow, snap.origin_unit) == ("home_visit", "moi-tuan-mot-diem-den", "A1")
    assert visits.get(world["aud_p"], view.id).cases == view.cases
    with pytest.raises(NotFound):
        visits.get(world["off_b"], view.id)
    with sessions() as s:
        v = s.get(HomeVisit, view.id)
        assert (v.households, v.official_count, v.opinion_count) == (2, 2, 2)
        assert v.officials[0] == {"user": "off_a", "name": "off_a"} and v.officials[1]["user"] is None


def test_a_bad_opinion_leaves_nothing(visits, world, sessions):
    bad = visit(opinions=[VisitOpinion(topic="dien_nuoc", content="Được"), VisitOpinion(topic="nope", content="x")])
    with pytest.raises(InvalidField) as err:
        visits.record(world["off_a"], bad)
    assert err.value.params["field"] == "topic"
    assert rows(sessions) == (0, 0, 0)


@pytest.mark.parametrize("change, field", [
    (dict(households={}), "households"), (dict(households={"poor": -1}), "households.poor"),
    (dict(households={"rich": 1}), "households"), (dict(households={"poor": 501}), "households.poor"),
    (dict(officials=[]), "officials"), (dict(officials="off_a"), "officials"), (dict(officials=["  \u200b "]), "officials"),
    (dict(officials=[f"Người {i}" for i in range(31)]), "officials"), (dict(village="A"), "village"),
    (dict(village="ZZ"), "village"), (dict(visited_on="2026-12-01"), "visited_on"), (dict(visited_on="hôm qua"), "visited_on"),
    (dict(note="x\u202ey"), "note"), (dict(note="n" * 4001), "note"), (dict(officials=["Ô" * 201]), "official"),
    (dict(opinions=[VisitOpinion(topic="y_te", content="a" * 20_000)]), "content"),
])
def test_hostile_visits_are_refused(visits, world, sessions, change, field):
    with pytest.raises(InvalidField) as err:
        visits.record(world["off_a"], visit(**change))
    assert err.value.params["field"] == field
    assert rows(sessions) == (0, 0, 0)


def test_another_communes_village(visits, world, sessions):
    with pytest.raises(UnitNotAllowed):
        visits.record(world["off_b"], visit())
    with pytest.raises(UnitNotAllowed):
        visits.record(world["aud_p"], visit())
    assert rows(sessions) == (0, 0, 0)


def test_weekly_coverage(visits, world):
    assert week_of(DAY) == (date(2026, 11, 16), date(2026, 11, 22))
    visits.record(world["off_a"], visit(households={"poor": 2}, opinions=[]))
    visits.record(world["off_a"], visit(village="A2", households={"student": 1}, opinions=[], visited_on=date(2026, 11, 16)))
    visits.record(world["off_a"], visit(village="A2", households={"student": 5}, opinions=[], visited_on=date(2026, 11, 15)))
    board = {v.code: (v.households, v.short) for v in visits.coverage(world["lead_a"], "A", DAY, 2)}
    assert board == {"A1": (2, False), "A2": (1, True)}  # last week's five do not count this week
    assert {v.code for v in visits.coverage(world["aud_p"], "P", DAY, 2) if v.short} == {"A2", "B1"}
    with pytest.raises(NotFound):
        visits.coverage(world["off_b"], "A", DAY, 2)
