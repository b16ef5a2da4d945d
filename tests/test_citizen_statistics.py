"""Public statistics: live from the report roll-ups (no refresh, no worker), equal to a
direct count of the facts, read from the roll-up indeed (not a vacuous equality) and
from the facts once a village was re-parented; counts under 5 suppressed ("<5") on
the page and in the JSON alike; no sign-in and no personal data."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, text

from engine.actors import citizen
from engine.calendar import LOCAL_TZ
from engine.models import Unit
from engine.reports.public_stats import PUBLIC_FIGURES, counts, facts_counts, read, rollups_answer, suppress
from engine.services import units as unit_changes

from .browser.web import browser, web_app, web_container  # noqa: F401


def test_suppress_is_the_one_small_count_rule():
    assert [suppress(n) for n in (0, 1, 4, 5, 17)] == [0, "<5", "<5", 5, 17]


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


def _unit(session, code: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code))


def _both(session, code: str, first: str, last: str, today: date) -> tuple[dict, dict]:
    """(from the roll-up where it answers, straight from the facts) for a unit and its children."""
    unit = _unit(session, code)
    kids = list(session.scalars(select(Unit).where(Unit.parent_id == unit.id)))
    return (counts(session, unit, kids, first, last, today),
            facts_counts(session, [unit, *kids], first, last))


def test_the_figures_are_live_and_equal_a_direct_count(world, service, clock, sessions):
    _scene(world, service, clock, 7, 2)
    today = clock.now().astimezone(LOCAL_TZ).date()
    month = f"{today:%Y-%m}"
    with sessions() as s:
        assert rollups_answer(s, _unit(s, "P"), today)
        for code in ("P", "A", "B", "A1"):
            fast, slow = _both(s, code, month, month, today)
            assert fast == slow and fast, code
    # A later event shows at once: nothing to refresh.
    clock.advance(timedelta(days=40))
    extra = world.new_case(content="Tháng sau")
    service.fire(world["off_a"], extra.code, "escalate", {"target_unit": "A-KT", "reason": "Thuộc phòng"})
    today = clock.now().astimezone(LOCAL_TZ).date()
    with sessions() as s:
        fast, slow = _both(s, "P", month, f"{today:%Y-%m}", today)
        stats = read(s, _unit(s, "P"), month, f"{today:%Y-%m}", clock.now())
        province = _unit(s, "P").id
    assert fast == slow
    p = {k: sum(f[k] for (uid, _), f in fast.items() if uid == province) for k in PUBLIC_FIGURES}
    assert p["received"] == 10 and p["on_site"] == 4 and p["satisfied"] == 4 and p["transferred"] == 1
    assert stats.unit.figures["received"] == 10 and [m for m, _ in stats.months] == [month, f"{today:%Y-%m}"]
    assert stats.as_of == clock.now()


def test_the_roll_up_is_what_is_read_and_a_moved_village_reads_the_facts(world, service, clock, sessions, engine):
    """Not a vacuous equality: a counter changed in the roll-up changes the page; once
    a village is re-parented the roll-up no longer answers (rollup_read.plan) and the
    figures follow today's tree from the facts."""
    _scene(world, service, clock, 6, 2)
    today = clock.now().astimezone(LOCAL_TZ).date()
    month = f"{today:%Y-%m}"
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_rollups SET received = received + 1 WHERE grain = 'm' AND received > 0"))
    with sessions() as s:
        assert read(s, _unit(s, "P"), month, month, clock.now()).unit.figures["received"] == 9
        assert read(s, _unit(s, "P"), month, month, clock.now(), use_rollups=False).unit.figures["received"] == 8
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_rollups SET received = received - 1 WHERE grain = 'm' AND received > 1"))
    # B merges into A, its village B1 moved under A (from a day to come).
    with service.uow() as uow:
        unit_changes.merge_units(uow.session, ["B"], "A", today + timedelta(days=8), move=["B1"])
        uow.commit()
    with sessions() as s:
        assert not rollups_answer(s, _unit(s, "A"), today) and not rollups_answer(s, _unit(s, "P"), today)
        assert rollups_answer(s, _unit(s, "A1"), today)  # a subtree nothing moved into or out of
        stats = read(s, _unit(s, "A"), month, month, clock.now())
        by_code = {r.unit: r.figures for r in stats.children}
        for code in ("P", "A", "B", "A1"):
            fast, slow = _both(s, code, month, month, today)
            assert fast == slow, code
    # Today's tree: B1's two opinions count under A now, as the facts group them.
    assert stats.unit.figures["received"] == 8 and by_code["B1"]["received"] == "<5"


def test_page_and_json_suppress_small_counts_and_show_no_one(browser, web_container, world, service, clock):
    _scene(world, service, clock, 7, 2)
    page = browser()
    r = page.get("/thong-ke")
    assert r.status_code == 200 and "Thống kê công khai" in r.text and "<svg" in r.text
    assert "Số liệu trực tiếp" in r.text  # live: no "as of the last refresh"
    for secret in ("Thạch Thị Sương", "Ý kiến 1", "off_a"):
        assert secret not in r.text
    data = page.get("/thong-ke.json").json()
    assert data["unit"]["code"] == "P" and data["unit"]["received"] == 9
    assert data["as_of"] == clock.now().isoformat()
    by_code = {c["code"]: c for c in data["children"]}
    assert by_code["A"]["received"] == 7 and by_code["A"]["on_site"] == "<5" and by_code["A"]["satisfied"] == "<5"
    assert by_code["B"]["received"] == "<5" and by_code["B"]["resolved"] == 0
    assert "&lt;5" in r.text  # the page shows the same suppressed figure
    commune = page.get("/thong-ke.json", params={"unit": "A"}).json()
    assert commune["unit"]["received"] == 7 and [m["received"] for m in commune["months"]] == [7]
    assert page.get("/thong-ke", params={"unit": "NOPE"}).status_code == 404
