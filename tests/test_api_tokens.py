"""API tokens from the command line: printed once, stored as a hash, listed,
revoked; each request is attributed to the token's owner."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select, text

from engine.models import ApiToken

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer, new_case
from web.cli.main import _register, cli


def run(db_url: str, *args: str):  # type: ignore[no-untyped-def]
    _register()
    return CliRunner().invoke(cli, ["--lang", "en", "--database-url", db_url, *args])


def test_token_is_printed_once_and_only_its_hash_is_stored(db_url, world, sessions):
    result = run(db_url, "users", "token", "off_a", "--name", "Cổng thông tin tỉnh")
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[0]
    assert re.fullmatch(r"nd_[A-Za-z0-9_-]{43}", plain)
    with sessions() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest() and row.label == "Cổng thông tin tỉnh"
        # The plain token is nowhere in the database.
        dump = " ".join(str(v) for v in s.execute(text("SELECT * FROM api_tokens")).one())
        assert plain not in dump and plain[3:] not in dump
    listed = run(db_url, "users", "tokens", "off_a")
    assert listed.exit_code == 0 and "Cổng thông tin tỉnh" in listed.output and "active" in listed.output
    assert plain not in listed.output
    second = run(db_url, "users", "token", "off_a").stdout.strip().splitlines()[0]
    assert second != plain


def test_token_for_an_unknown_user_fails_cleanly(db_url, world):
    result = run(db_url, "users", "token", "nobody")
    assert result.exit_code == 2 and "nobody" in result.output
    assert run(db_url, "users", "revoke-token", "424242").exit_code == 2


def test_revoked_token_stops_working_and_stays_listed(api, api_container, world, db_url, clock):
    plain = run(db_url, "users", "token", "off_a").stdout.strip().splitlines()[0]
    assert api.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    token_id = re.search(r"#(\d+)", run(db_url, "users", "tokens", "off_a").output).group(1)
    revoked = run(db_url, "users", "revoke-token", token_id)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert api.get("/api/v1/me", headers=bearer(plain)).status_code == 401
    assert "revoked" in run(db_url, "users", "tokens", "off_a").output


def test_requests_are_attributed_and_use_is_recorded(api, tokens, sessions, clock):
    case = new_case(api, bearer(tokens["off_a"]))
    r = api.post(f"/api/v1/cases/{case['code']}/actions/escalate",
                 json={"data": {"target_unit": "A-KT", "reason": "r"}}, headers=bearer(tokens["lead_a"]))
    assert r.status_code == 200
    events = api.get(f"/api/v1/cases/{case['code']}/events", headers=bearer(tokens["aud_p"])).json()["events"]
    assert [e["actor"] for e in events] == ["off_a", "lead_a"]
    with sessions() as s:
        used = s.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash ==
                                                           hashlib.sha256(tokens["off_a"].encode()).hexdigest()))
        assert used == clock.now()
    # Touched at most once a minute, then again after.
    clock.advance(timedelta(minutes=2))
    api.get("/api/v1/me", headers=bearer(tokens["off_a"]))
    with sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash ==
                                                           hashlib.sha256(tokens["off_a"].encode()).hexdigest())) \
            == clock.now()
