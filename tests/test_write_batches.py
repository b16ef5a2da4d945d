"""The write path's batching (issue 19): a meeting's opinions and a person's step
write their outbox rows, timers and report facts as one multi-row statement per
table, in the same transaction as the change (engine.batched_rows), check their
codes in one query (engine.services.case_writes), and lose or double nothing when
the transaction fails."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

import pytest
from sqlalchemy import event, func, select

from engine.errors import InvalidField
from engine.models import Case, CaseEvent, CaseFacts, OutboxMessage, Timer
from engine.services.cases import NewCase

ITEM = NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Đường làng ngập")


@pytest.fixture
def sent(engine: Any) -> Iterator[list[tuple[str, bool]]]:
    statements: list[tuple[str, bool]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, executemany))

    event.listen(engine, "before_cursor_execute", keep)
    yield statements
    event.remove(engine, "before_cursor_execute", keep)


def _inserts(statements: list[tuple[str, bool]]) -> Counter[str]:
    return Counter(s.split("(")[0].split()[2] for s, _ in statements if s.lstrip().upper().startswith("INSERT"))


def _counts(sessions: Any) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Case, CaseEvent, CaseFacts, OutboxMessage, Timer))


def test_a_batch_writes_each_table_in_one_statement(world: Any, service: Any, sessions: Any, sent: list) -> None:
    before = _counts(sessions)
    sent.clear()
    made = service.create_many(world["off_a"], [ITEM] * 20)
    inserts = _inserts(sent)
    # Outbox rows, timers and report facts: one multi-row INSERT each for 20 opinions.
    assert inserts["outbox"] == inserts["timers"] == inserts["case_facts"] == 1
    # One query for the 20 codes' uniqueness, not one per opinion.
    assert sum(1 for s, _ in sent if s.lstrip().startswith("SELECT cases.code")) == 1
    after = _counts(sessions)
    assert [a - b for a, b in zip(after, before)] == [20, 20, 20, 20, 60]  # remind, overdue, auto_escalate each
    assert len({c.code for c in made}) == 20
    with sessions() as s:
        # Each row names its own case: the ids filled in after the flush are the right ones.
        for snap in made:
            case = s.scalars(select(Case).where(Case.code == snap.code)).one()
            [outbox] = s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
            assert outbox.dedup_key == f"case:{case.code}:event:1" and outbox.payload["code"] == case.code
            assert s.scalar(select(CaseFacts.case_id).where(CaseFacts.case_id == case.id)) == case.id
            assert {t.rule for t in s.scalars(select(Timer).where(Timer.case_id == case.id))} == {
                "remind", "overdue", "auto_escalate"}
            assert s.scalars(select(CaseEvent.seq).where(CaseEvent.case_id == case.id)).all() == [1]


def test_a_failed_batch_leaves_no_waiting_row_behind(world: Any, service: Any, sessions: Any) -> None:
    before = _counts(sessions)
    bad = NewCase(workflow="nghe-dan-noi", unit="A1", topic="không có", kind="kien_nghi", content="x")
    with pytest.raises(InvalidField):
        service.create_many(world["off_a"], [ITEM] * 5 + [bad])
    assert _counts(sessions) == before
    # The next batch of the same process writes its own rows, and only those.
    service.create_many(world["off_a"], [ITEM] * 2)
    assert [a - b for a, b in zip(_counts(sessions), before)] == [2, 2, 2, 2, 6]


def test_a_code_already_taken_is_skipped_with_one_query(world: Any, service: Any, monkeypatch: Any,
                                                         sent: list) -> None:
    from engine.services import cases as cases_module

    taken = world.new_case().code
    drawn = iter([taken, "P-2026-CCCCCCC", "P-2026-DDDDDDD"])
    monkeypatch.setattr(cases_module, "new_code", lambda prefix, year: next(drawn))
    sent.clear()
    made = service.create_many(world["off_a"], [ITEM, ITEM])
    assert [c.code for c in made] == ["P-2026-CCCCCCC", "P-2026-DDDDDDD"]
    # The first draw held a taken code: a second query for the one still missing.
    assert sum(1 for s, _ in sent if s.lstrip().startswith("SELECT cases.code")) == 2


def test_a_step_cancels_its_stage_timers_and_arms_the_next(world: Any, service: Any, sessions: Any,
                                                           sent: list) -> None:
    case = world.new_case()
    sent.clear()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã trả lời tại chỗ"})
    assert _inserts(sent)["timers"] == 1 and _inserts(sent)["outbox"] == 1
    with sessions() as s:
        cid = s.scalar(select(Case.id).where(Case.code == case.code))
        rows = s.execute(select(Timer.stage_seq, Timer.rule, Timer.status, Timer.result)
                         .where(Timer.case_id == cid).order_by(Timer.stage_seq, Timer.rule)).all()
        assert {(seq, status, result) for seq, _, status, result in rows if seq == 1} == {
            (1, "cancelled", "stage ended")}
        # The next stage (answered on the spot, 5 working days) gets its reminder and overdue alert.
        assert [(rule, status) for seq, rule, status, _ in rows if seq == 2] == [("overdue", "pending"),
                                                                                  ("remind", "pending")]
        kinds = s.scalars(select(OutboxMessage.kind).where(OutboxMessage.case_id == cid)
                          .order_by(OutboxMessage.id)).all()
        assert kinds == ["case.created", "case.transitioned"]


def test_a_stale_step_writes_nothing(world: Any, service: Any, sessions: Any) -> None:
    from engine.errors import StaleVersion

    case = world.new_case()
    before = _counts(sessions)
    with pytest.raises(StaleVersion):
        service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Trả lời"},
                     expected_version=case.version + 1)
    assert _counts(sessions) == before
