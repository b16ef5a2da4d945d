"""Zalo's OAuth tokens, kept in the database (``provider_tokens``) for every worker.

Zalo's refresh token is single-use: each refresh
(``POST {NGHEDAN_ZALO_OAUTH_URL}/v4/oa/access_token``, header ``secret_key``, form
``app_id``, ``refresh_token``, ``grant_type=refresh_token``) answers a new access token
*and a new refresh token*, and the old one stops working. So the refresh happens
with the row locked (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction is
exclusive) and the new pair is committed before anything else uses it; a worker
that finds the access token already replaced by another uses the new one instead
of refreshing again. The first refresh token comes from ``NGHEDAN_ZALO_REFRESH_TOKEN``;
that very first refresh has no row to lock yet, so a second worker doing it at the
same moment is refused by Zalo (the seed is spent) or by the primary key, and its
message is simply retried with the stored token.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.models import ProviderToken
from engine.uow import UnitOfWork

from .channels import SendError
from .config import NotifySettings
from .provider_http import post

__all__ = ["PROVIDER", "REFRESH_PATH", "access_token", "refresh_access_token"]

PROVIDER = "zalo"
REFRESH_PATH = "/v4/oa/access_token"


def _row(session: Session, lock: bool) -> ProviderToken | None:
    stmt = select(ProviderToken).where(ProviderToken.provider == PROVIDER)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def access_token(sessions: sessionmaker[Session], settings: NotifySettings, clock: Clock) -> str:
    """The access token in force, refreshed first when there is none or it has expired."""
    with sessions() as session:
        row = _row(session, lock=False)
        if row is not None and row.access_token and (row.expires_at is None or row.expires_at > clock.now()):
            return row.access_token
        stale = row.access_token if row is not None else None
    return refresh_access_token(sessions, settings, clock, stale)


def refresh_access_token(sessions: sessionmaker[Session], settings: NotifySettings, clock: Clock,
                         stale: str | None) -> str:
    """Replace the access token ``stale`` (the one Zalo refused); another worker's
    fresh one is returned as is."""
    with UnitOfWork(sessions, write=True) as uow:
        session, now = uow.session, clock.now()
        row = _row(session, lock=True)
        if row is not None and row.access_token and row.access_token != stale and \
                (row.expires_at is None or row.expires_at > now):
            return row.access_token
        refresh = row.refresh_token if row is not None else (
            settings.zalo_refresh_token.get_secret_value() if settings.zalo_refresh_token else "")
        assert settings.zalo_secret_key is not None
        body = urlencode({"app_id": settings.zalo_app_id or "", "refresh_token": refresh,
                          "grant_type": "refresh_token"}).encode()
        status, answer = post(f"{settings.zalo_oauth_url}{REFRESH_PATH}", body,
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "secret_key": settings.zalo_secret_key.get_secret_value()}, settings.zalo_timeout)
        document: object = None
        try:
            document = json.loads(answer.decode("utf-8"))
            assert isinstance(document, dict)
            new_access, new_refresh = document["access_token"], document["refresh_token"]
            lifetime = int(document.get("expires_in") or 3600)  # Zalo sends it as a string
        except (ValueError, KeyError, TypeError, AssertionError):
            # Zalo's refusal ({"error": -14014, ...}) or no JSON: retried, the operator must look.
            code = document.get("error") if isinstance(document, dict) else None
            raise SendError(f"Zalo token refresh refused (HTTP {status}, error {code})") from None
        if not (isinstance(new_access, str) and isinstance(new_refresh, str) and new_access and new_refresh):
            raise SendError(f"Zalo token refresh: HTTP {status} without tokens")
        if row is None:
            row = ProviderToken(provider=PROVIDER, refresh_token=new_refresh, updated_at=now)
            session.add(row)
        row.access_token, row.refresh_token = new_access, new_refresh
        # A minute early, so a token is not used in its last seconds.
        row.expires_at = now + timedelta(seconds=max(lifetime - 60, 60))
        row.updated_at = now
        uow.commit()
        return new_access
