"""The identity digest a history chains cannot be reversed, and migration 0010 re-keys
chains written before it without breaking them or the seals the Front kept."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime, timezone
from types import SimpleNamespace

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from engine import migrate
from engine.audit import GENESIS, chain_hash, verify_all
from engine.citizen_digest import identity_sha256, keyed
from engine.clock import FrozenClock
from engine.db import make_engine, make_session_factory
from engine.models import Case, CaseEvent
from engine.seals import SEAL_PREFIX, compute_seal
from engine.services.cases import CaseService
from engine.services.tokens import issue_token
from engine.uow import UnitOfWork
from workflows import load_builtin

from .browser.web import browser, web_app, web_container  # noqa: F401
from .world import build_world

PHONE = "0912888999"  # a phone-only denouncer
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def _downloads(web_app, browser, token: str, codes: list[str]) -> str:
    """Everything an auditor can download about these cases."""
    page = browser("aud_p")
    blobs = []
    with TestClient(web_app) as api:
        auth = {"Authorization": f"Bearer {token}"}
        for code in codes:
            blobs += [api.get(f"/api/v1/cases/{code}", headers=auth).text,
                      api.get(f"/api/v1/cases/{code}/events", headers=auth).text,
                      api.get(f"/api/v1/audit/cases/{code}/history", headers=auth).text,
                      page.get(f"/cases/{code}/history.json").text, page.get(f"/cases/{code}/history.csv").text,
                      page.get(f"/audit/cases/{code}/export.json").text,
                      page.get(f"/audit/cases/{code}/export.csv").text]
        blobs += [page.get("/audit/units/export.json?unit=A").text, page.get("/audit/units/export.csv?unit=A").text]
    return "\n".join(blobs)


def test_a_phone_only_denouncer_is_not_found_by_trying_numbers(world, sessions, clock, web_app, browser):
    codes = [world.new_case("off_a", "A2", kind="to_cao", citizen_name=None, citizen_phone=PHONE).code
             for _ in range(2)]
    with UnitOfWork(sessions) as uow:
        token = issue_token(uow.session, "aud_p", label="t", now=clock.now())[1]
        uow.commit()
        salts = {c: s for c, s in uow.session.execute(select(Case.code, Case.identity_salt).where(Case.code.in_(codes)))}
    blob = _downloads(web_app, browser, token, codes)
    assert PHONE not in blob
    found = set(HEX64.findall(blob))
    # The salt is the key: no download carries it.
    assert not found & set(salts.values())
    # What the chains hold: one digest per case, different although the citizen is the same.
    digests = []
    with TestClient(web_app) as api:
        for code in codes:
            events = api.get(f"/api/v1/cases/{code}/events", headers={"Authorization": f"Bearer {token}"}).json()
            digests.append(events["events"][0]["data"]["citizen_digest"])
    assert len(set(digests)) == 2 and set(digests) <= found
    # Try a block of 10^4 numbers around the real one, the way the attack tried 10^8,
    # against every 64-hex value downloaded, in every form a digest could take without the salt.
    prefix = PHONE[:6]
    candidates = {}
    for n in range(10_000):
        phone = f"{prefix}{n:04d}"
        for who in (f"|{phone}|", phone, f"||{phone}"):
            candidates[hashlib.sha256(who.encode()).hexdigest()] = phone
    inner = identity_sha256(None, PHONE, None)
    assert not found & set(candidates)
    # Keyed by anything an auditor has (every hex value downloaded), nothing matches either...
    keys = [bytes.fromhex(k) for k in found]
    assert not any(hmac.new(k, inner.encode(), hashlib.sha256).hexdigest() in found for k in keys)
    # ...while with the salt, which never left the database, the search finds it at once.
    assert keyed(salts[codes[0]], inner) == digests[0] and inner in candidates


# -- migration 0010 ---------------------------------------------------------------------

def _legacy(conn, code: str) -> tuple[str, int]:
    """Rewrite a case's chain as code before 0010 wrote it (unsalted digest)."""
    case = conn.execute(text("SELECT id, citizen_name, citizen_phone, citizen_address FROM cases WHERE code = :c"),
                        {"c": code}).one()
    rows = conn.execute(text("SELECT id, seq, at, actor, \"trigger\", from_state, to_state, note, data FROM case_events "
                             "WHERE case_id = :i ORDER BY seq"), {"i": case.id}).all()
    prev = GENESIS
    cast = "CAST(:d AS JSON)" if conn.dialect.name == "postgresql" else ":d"
    for r in rows:
        data = json.loads(r.data) if isinstance(r.data, str) else dict(r.data)
        if r.seq == 1:
            data.pop("citizen_digest")
            data["citizen_sha256"] = identity_sha256(case.citizen_name, case.citizen_phone, case.citizen_address)
        at = r.at if isinstance(r.at, datetime) else datetime.fromisoformat(str(r.at))
        at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at
        body = SimpleNamespace(seq=r.seq, at=at, actor=r.actor, trigger=r.trigger, from_state=r.from_state,
                               to_state=r.to_state, note=r.note, data=data)
        h = chain_hash(prev, code, body)
        conn.execute(text(f"UPDATE case_events SET data = {cast}, prev_hash = :p, hash = :h WHERE id = :i"),
                     {"d": json.dumps(data, ensure_ascii=False), "p": prev, "h": h, "i": r.id})
        prev = h
    conn.execute(text("UPDATE cases SET head_hash = :h WHERE id = :i"), {"h": prev, "i": case.id})
    return prev, len(rows)


def test_migration_0010_rekeys_old_chains_keeps_breaks_and_old_seals(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        clock = FrozenClock(datetime(2026, 10, 5, 2, 0, tzinfo=timezone.utc))
        service = CaseService(make_session_factory(engine), load_builtin(), clock)
        world = build_world(service)
        kept = world.new_case(citizen_name="Lê Văn Một", citizen_phone="0901111111")
        service.fire(world["off_a"], kept.code, "answer_on_site", {"answer": "Đã trả lời"})
        clock.set(datetime(2026, 10, 6, 2, 0, tzinfo=timezone.utc))
        tampered = world.new_case(citizen_phone="0902222222")
        service.fire(world["off_a"], tampered.code, "answer_on_site", {"answer": "Đúng"})
        migrate.downgrade(engine, "0009")
        with engine.begin() as conn:
            heads = {code: _legacy(conn, code) for code in (kept.code, tampered.code)}
        # The seals the Front would have kept (the v1 formula, by hand): 5/10 saw the first case only.
        seal_5 = hashlib.sha256(SEAL_PREFIX + f"{kept.code}:{heads[kept.code][0]}:2\n".encode()).hexdigest()
        seal_6 = hashlib.sha256(SEAL_PREFIX + "".join(f"{c}:{h}:{n}\n" for c, (h, n) in sorted(heads.items()))
                                .encode()).hexdigest()
        with engine.begin() as conn:  # then someone edits an answer behind the app's back
            conn.execute(text("UPDATE case_events SET note = 'sửa' WHERE seq = 2 AND case_id = "
                              "(SELECT id FROM cases WHERE code = :c)"), {"c": tampered.code})
        migrate.upgrade(engine)
        with make_session_factory(engine)() as s:
            assert [b.case_code for b in verify_all(s)] == [tampered.code]  # the break survives re-keying
            events = {e.case.code: e for e in s.scalars(select(CaseEvent).where(CaseEvent.seq == 1))}
            assert all("citizen_sha256" not in e.data and "citizen_digest" in e.data for e in events.values())
            case = s.scalar(select(Case).where(Case.code == kept.code))
            assert case.identity_salt and events[kept.code].data["citizen_digest"] == keyed(
                case.identity_salt, identity_sha256("Lê Văn Một", "0901111111", None))
            # The seal kept for 5/10 still verifies; 6/10's shows the edit.
            assert compute_seal(s, date(2026, 10, 5)).root_hash == seal_5
            assert compute_seal(s, date(2026, 10, 6)).root_hash != seal_6
        # New events chain on the re-keyed head.
        clock.set(datetime(2026, 10, 7, 2, 0, tzinfo=timezone.utc))
        service.fire(world["lead_a"], kept.code, "verify", {"satisfaction": "satisfied", "note": "ok"})
        with make_session_factory(engine)() as s:
            assert [b.case_code for b in verify_all(s)] == [tampered.code]
    finally:
        engine.dispose()
