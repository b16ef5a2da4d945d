"""Many writers on few cases: 50 threads firing triggers on 10 cases for a bounded
time. Every accepted event must be in the history, every chain must verify, and
every refusal must be a conflict or a state refusal — never a deadlock or a crash.

On PostgreSQL this is the full load (issue 8); on SQLite, which has one writer,
a shorter run checks the same invariants.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from engine.audit import verify_all
from engine.db import make_engine, make_session_factory
from engine.errors import Conflict, DomainError, InvalidTransition, StaleVersion
from engine.services.cases import CaseService

LOOP = ("escalate", "answer", "reopen", "answer_on_site")


def test_many_threads_few_cases(world, workflows, clock, db_url, backend):
    threads, seconds, max_attempts = (50, 10.0, 4000) if backend == "postgresql" else (8, 3.0, 600)
    engine = make_engine(db_url, **({"pool_size": threads, "max_overflow": 0} if backend == "postgresql" else {}))
    service = CaseService(make_session_factory(engine), workflows, clock)
    codes = [world.new_case(content=f"Ý kiến {i}").code for i in range(10)]
    actor = world["lead_a"]
    accepted: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    refusals: dict[str, int] = defaultdict(int)
    unexpected: list[BaseException] = []
    lock = threading.Lock()
    attempts = iter(range(max_attempts))
    deadline = time.monotonic() + seconds

    def data_for(trigger: str, handling: str) -> dict[str, str]:
        if trigger == "escalate":
            return {"target_unit": "A2" if handling == "A-KT" else "A-KT", "reason": "tải"}
        if trigger in ("answer", "answer_on_site"):
            return {"answer": "đã trả lời"}
        return {"reason": "kiểm tra lại"}

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            with lock:
                if next(attempts, None) is None:
                    return
            code = rng.choice(codes)
            try:
                snap = service.get(actor, code)
                options = [o.trigger for o in service.allowed_actions(actor, code) if o.allowed and o.trigger in LOOP]
                trigger = rng.choice(options)
                after = service.fire(actor, code, trigger, data_for(trigger, snap.handling_unit),
                                     expected_version=snap.version)
                with lock:
                    accepted[code].append((after.version, snap.state, after.state))
            except (StaleVersion, InvalidTransition, Conflict) as err:
                with lock:
                    refusals[type(err).__name__] += 1
            except DomainError as err:  # any other refusal is a bug in this test's choices
                unexpected.append(err)
            except Exception as err:  # deadlocks, pool exhaustion, driver errors
                unexpected.append(err)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 60)
    try:
        assert unexpected == []
        assert sum(len(v) for v in accepted.values()) > 0 and refusals["StaleVersion"] > 0
        wf = workflows["nghe-dan-noi"]
        for code in codes:
            history = service.history(actor, code)
            steps = sorted(accepted[code])
            # No lost update: every accepted transition is one event, in version order.
            assert len(history) == 1 + len(steps)
            assert [(e.from_state, e.to_state) for e in history[1:]] == [(a, b) for _, a, b in steps]
            # And the sequence is one the workflow allows, from the initial state.
            state = wf.initial
            for event in history[1:]:
                assert event.trigger in {t.trigger for t in wf.transitions_from(state)}
                state = event.to_state
            assert service.get(actor, code).state == state
        with service.session_factory() as s:
            assert list(verify_all(s)) == []
    finally:
        engine.dispose()
