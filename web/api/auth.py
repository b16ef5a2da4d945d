"""Bearer-token authentication and per-token throttling for the API.

``Authorization: Bearer nd_...`` → the token's user, loaded fresh on every request
(grants changed or a user deactivated take effect at once), as an ``Actor``. Each
case event the request causes carries that user's name. Failures are all the
same 401, whether the token is unknown, malformed, revoked or its user is
deactivated; failed attempts are throttled per client address.
"""

from __future__ import annotations

import logging

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.errors import Conflict
from engine.services.tokens import authenticate_token, touch_token
from engine.uow import UnitOfWork

from ..container import Container
from ..deps import get_container
from .problems import ApiProblem, retry_after

__all__ = ["bearer", "authenticate", "throttle_address", "current_actor", "WWW_AUTHENTICATE"]

log = logging.getLogger(__name__)

bearer = HTTPBearer(auto_error=False, scheme_name="bearerToken",
                    description="A token from `nghedan users token USERNAME`: `Authorization: Bearer nd_...`")
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="nghedan"'}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _throttle(request: Request, key: str) -> None:
    container = get_container(request)
    wait = container.api_limiter.take(container, key)
    if wait is not None:
        raise ApiProblem("rate-limited", "Quá nhiều yêu cầu; hãy thử lại sau ít giây.",
                         "Too many requests; retry in a few seconds.", headers=retry_after(wait))


def throttle_address(request: Request) -> None:
    """Requests without a token (Open311's public reads), limited per address."""
    _throttle(request, f"public:{_client(request)}")


def authenticate(request: Request, container: Container, token: str | None) -> Actor:
    """The actor for ``token`` (a bearer token or an Open311 ``api_key``), throttled;
    raises ``ApiProblem`` 401 or 429. Also used by the Open311 adapter."""
    if not token:
        raise ApiProblem("unauthenticated", "Cần mã truy cập (Authorization: Bearer ...).",
                         "A bearer token is required (Authorization: Bearer ...).", headers=WWW_AUTHENTICATE)
    with UnitOfWork(container.sessions, write=False) as uow:
        found = authenticate_token(uow.session, token, on=container.clock.now().astimezone(LOCAL_TZ).date())
    if found is None:
        _throttle(request, f"ip:{_client(request)}")
        raise ApiProblem("unauthenticated", "Mã truy cập không hợp lệ hoặc đã bị thu hồi.",
                         "The token is invalid or has been revoked.", headers=WWW_AUTHENTICATE)
    _throttle(request, f"token:{found.token_id}")
    now = container.clock.now()
    if found.due_for_touch(now):
        try:
            with UnitOfWork(container.sessions) as uow:
                touch_token(uow.session, found.token_id, now)
                uow.commit()
        except (SQLAlchemyError, Conflict):
            # last_used_at is bookkeeping; a busy database must not fail the request.
            log.warning("could not record use of API token %s", found.token_id, exc_info=True)
    request.state.actor = found.actor
    return found.actor


def current_actor(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                  container: Container = Depends(get_container)) -> Actor:
    return authenticate(request, container, credentials.credentials if credentials else None)
