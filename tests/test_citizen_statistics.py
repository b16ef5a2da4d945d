"""Public statistics: the roll-up equals a direct count of the facts, follows new
events incrementally, suppresses counts under 5 ("<5") on the page and in the JSON
alike, needs no sign-in and carries no personal data."""

from __future__ import annotations

from datetime import timedelta

from engine.actors import citizen
from engine.reports.public_stats import PUBLIC_FIGURES, direct_counts, refresh, suppress
from engine.models.public_stats import PublicStatsMonth
from sqlalchemy import select
from web.worker import public_stats_job

from .browser.web import browser, web_app, web_container  # noqa: F401


def test_suppress_is_the_one_small_count_rule():
    assert [suppress(n) for n in (0, 1, 4, 5, 17)] == [0, "<5", "<5", 5, 17]


def _roll_up(sessions) -> dict:
    with sessions() as s:
        return {(r.origin_unit_id, r.month): {k: getattr(r, k) for k in PUBLIC_FIGURES}
                for r in s.scalars(select(PublicStatsMonth))}


def _scene(world, service, clock, n_a1: int, n_b1: int):
    made = []
    for i in range(n_a1):
        case = world.new_case(content=f"Ý kiến {i}", citizen_name="Thạch Thị Sương")
        made.append(case)
        if i % 2 == 0:
            service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã trả lời"})
            service.fire(citizen(case.code), case.code, "citizen_rate", {"satisfaction": "satisfied"})
    for i in range(n_b1):
        made.append(world.new_case(who="off_b", unit="B1", content=f"Ý kiến B {i}"))
    return made


def test_the_roll_up_equals_a_direct_count_and_follows_new_events(web_container, world, service, clock, sessions):
    _scene(world, service, clock, 7, 2)
    assert public_stats_job(web_container) > 0
    with sessions() as s:
        direct = direct_counts(s)
    assert _roll_up(sessions) == direct and direct
    # Later events change the figures of their (unit, month) only, and the next refresh catches up.
    clock.advance(timedelta(days=40))
    extra = world.new_case(content="Tháng sau")
    service.fire(world["off_a"], extra.code, "escalate", {"target_unit": "A-KT", "reason": "Thuộc phòng"})
    with sessions() as s:
        rewritten = refresh(s, clock.now())
        s.commit()
        direct = direct_counts(s)
    # Every group with an event since the watermark (less RESCAN ids) is rewritten.
    assert rewritten >= 1 and _roll_up(sessions) == direct
    totals = {k: sum(f[k] for f in direct.values()) for k in PUBLIC_FIGURES}
    assert totals["received"] == 10 and totals["on_site"] == 4 and totals["satisfied"] == 4
    assert totals["transferred"] == 1


def test_page_and_json_suppress_small_counts_and_show_no_one(browser, web_container, world, service, clock):
    _scene(world, service, clock, 7, 2)
    public_stats_job(web_container)
    page = browser()
    r = page.get("/thong-ke")
    assert r.status_code == 200 and "Thống kê công khai" in r.text and "<svg" in r.text
    for secret in ("Thạch Thị Sương", "Ý kiến 1", "off_a"):
        assert secret not in r.text
    data = page.get("/thong-ke.json").json()
    assert data["unit"]["code"] == "P" and data["unit"]["received"] == 9
    by_code = {c["code"]: c for c in data["children"]}
    assert by_code["A"]["received"] == 7 and by_code["A"]["on_site"] == "<5" and by_code["A"]["satisfied"] == "<5"
    assert by_code["B"]["received"] == "<5" and by_code["B"]["resolved"] == 0
    assert "&lt;5" in r.text  # the page shows the same suppressed figure
    commune = page.get("/thong-ke.json", params={"unit": "A"}).json()
    assert commune["unit"]["received"] == 7 and [m["received"] for m in commune["months"]] == [7]
    assert page.get("/thong-ke", params={"unit": "NOPE"}).status_code == 404
