"""A synthetic half-year entered through the services — gifts, houses, sanitation,
volunteer labour, visits with their opinions, some before the period and some in
another commune — and the report of commune A for January–June compared, figure by
figure, with what the test computes from what it entered: from the engine, the JSON
API, the CSV and the XLSX, and the page."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook

from engine.reports import Period
from engine.reports.support import million, support_report
from engine.services.fund import NewIncome
from engine.services.support import NewActivity
from engine.services.visits import NewVisit, VisitOpinion
from engine.support.amounts import format_km
from engine.support.vocab import LABOUR_KINDS

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401

KINDS = ["gift", "gift", "gift", "new_house", "house_repair", "sanitation", "cleaning", "road_canal", "tree_trimming",
         "other"]
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))


def _activity(rng: random.Random, day: date, unit: str) -> NewActivity:
    kind = rng.choice(KINDS)
    if kind in LABOUR_KINDS:
        return NewActivity(kind=kind, unit=unit, held_on=day, participations=rng.randint(5, 120),
                           length_km=f"{rng.randint(0, 12)},{rng.randint(0, 9)}", source="budget")
    houses = rng.randint(1, 2) if kind in ("new_house", "house_repair") else 0
    value = rng.randint(1, 900) * 100_000
    return NewActivity(kind=kind, unit=unit, held_on=day, category=rng.choice(["poor", "policy", "elderly_alone"]),
                       households=rng.randint(1, 6), houses=houses, value=f"{value:,}".replace(",", "."),
                       source=rng.choice(["socialised", "budget"]), beneficiaries="Nguyễn Văn A")


@pytest.fixture
def half_year(container, world):
    """Enters the data; returns the figures the report must give for A, H1 2026."""
    rng = random.Random(18)
    support, visits, fund = container.support, container.visits, container.fund
    exp: Counter[str] = Counter()
    cum_households = cum_value = 0
    days = [date(2025, 11, 3), date(2025, 12, 1)] + [date(2026, m, d) for m in range(1, 8) for d in (5, 19)]
    for day in days:
        for unit in ("A", "A1", "A2", "B1"):
            new = _activity(rng, day, unit)
            view = support.record(world["off_b" if unit == "B1" else "off_a"], new)
            if unit == "B1" or day > PERIOD.end:
                continue
            given = view.kind not in LABOUR_KINDS
            if given:
                cum_households += view.households
                cum_value += view.value
            if day < PERIOD.start:
                continue
            exp["activities"] += 1
            if given:
                exp["households"] += view.households
                exp["value"] += view.value
            if view.kind == "gift":
                exp["gifts"] += view.households
                exp["gift_value"] += view.value
            elif view.kind == "new_house":
                exp["houses_built"] += view.houses
                exp["houses_built_value"] += view.value
            elif view.kind == "house_repair":
                exp["houses_repaired"] += view.houses
                exp["houses_repaired_value"] += view.value
            elif view.kind == "sanitation":
                exp["sanitation"] += view.households
                exp["sanitation_value"] += view.value
            elif view.kind in LABOUR_KINDS:
                exp["participations"] += view.participations
                exp["length_m"] += view.length_m
        # A visit a fortnight in each village, with 0–2 opinions.
        for village in ("A1", "A2", "B1"):
            officials = [f"Cán bộ {i}" for i in range(rng.randint(1, 4))] + (["off_a"] if village != "B1" else [])
            households = {"poor": rng.randint(0, 3), "policy": rng.randint(1, 2)}
            opinions = [VisitOpinion(topic="dien_nuoc", content=f"Ý kiến {day} {village} {i}")
                        for i in range(rng.randint(0, 2))]
            v = visits.record(world["off_b" if village == "B1" else "off_a"],
                              NewVisit(village=village, visited_on=day, households=households, officials=officials,
                                       opinions=opinions))
            if village != "B1" and PERIOD.start <= day <= PERIOD.end:
                exp["visits"] += 1
                exp["official_participations"] += len(set(officials))
                exp["households_visited"] += sum(households.values())
                exp["opinions"] += len(v.cases)
    # Spending from the fund counts like any other support.
    fund.record_income(world["off_a"], NewIncome("A", date(2026, 3, 2), "5 triệu"))
    view = support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=date(2026, 3, 2), households=3,
                                                      value="1,5 triệu", source="fund", category="student"))
    for key in ("gifts", "households"):
        exp[key] += 3
    for key in ("gift_value", "value"):
        exp[key] += view.value
    exp["activities"] += 1
    cum_households += 3
    cum_value += view.value
    assert exp["gifts"] and exp["houses_built"] and exp["participations"] and exp["opinions"]  # the data are varied
    return dict(exp), cum_households, cum_value


def test_the_report_gives_what_was_entered(half_year, sessions, world):
    exp, cum_households, cum_value = half_year
    with sessions() as s:
        report = support_report(s, world["lead_a"], "A", PERIOD)
        whole = support_report(s, world["aud_p"], "P", PERIOD)
    figures = vars(report.period)
    assert {k: figures[k] for k in exp} == exp
    assert all(figures[k] == 0 for k in figures if k not in exp)
    assert (report.cumulative_households, report.cumulative_value) == (cum_households, cum_value)
    assert whole.period.visits > report.period.visits  # commune B counts at the province only
    assert sum(m.households for m in report.months) == exp["households"]
    assert sum(m.visits for m in report.months) == exp["visits"]
    assert [m.month for m in report.months] == [f"2026-0{i}" for i in range(1, 7)]


def test_every_format_gives_the_same_figures(half_year, api, as_user):
    exp, cum_households, cum_value = half_year
    q = {"from": "2026-01-01", "to": "2026-06-30", "unit": "A"}
    body = api.get("/api/v1/reports/support", params=q, headers=as_user("lead_a")).json()
    assert {k: body["period"][k] for k in exp} == exp
    assert (body["cumulative_households"], body["cumulative_value"]) == (cum_households, cum_value)
    assert f"{exp['gifts']:,}".replace(",", ".") + " phần quà, trị giá " + million(exp["gift_value"]) in body["sentences"][0]

    wanted = {**exp, "cumulative_households": cum_households, "cumulative_value": cum_value,
              "length_km": format_km(exp["length_m"])}
    wanted.pop("length_m")
    wanted.pop("activities")
    got = api.get("/api/v1/reports/support", params={**q, "format": "csv"}, headers=as_user("lead_a"))
    assert got.status_code == 200 and got.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(got.text.lstrip("\ufeff"))))
    by_key = {r[1]: r[3] for r in rows[1:] if r[0] == "Số liệu"}
    assert by_key == {k: str(v) for k, v in wanted.items()}

    got = api.get("/api/v1/reports/support", params={**q, "format": "xlsx"}, headers=as_user("lead_a"))
    sheet = load_workbook(io.BytesIO(got.content)).worksheets[0]
    cells = {sheet.cell(r, 1).value: sheet.cell(r, 3).value for r in range(6, 6 + len(wanted))}
    assert cells == wanted


def test_a_report_outside_ones_units(half_year, api, as_user):
    q = {"from": "2026-01-01", "to": "2026-06-30", "unit": "A"}
    assert api.get("/api/v1/reports/support", params=q, headers=as_user("off_b")).status_code == 404
    assert api.get("/api/v1/reports/support", params={**q, "to": "2025-01-01"},
                   headers=as_user("lead_a")).status_code == 422
