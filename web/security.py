"""Security of the web pages: server-side sessions, CSRF tokens, throttling of
sign-ins and public lookups, and the headers every response carries.

Sessions live in the database (``web_sessions``): the cookie holds a random token
and the table only its SHA-256, so signing out or changing a password ends a
session everywhere at once, in every server process (so does every change of
``engine.services.access``). Throttling counts attempts in the database too
(``rate_counters``, one atomic UPSERT per attempt), so it holds across processes,
restarts and concurrent requests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Awaitable, Callable, MutableMapping

from sqlalchemy import delete, select, update

from engine import throttles
from engine.actors import Actor
from engine.codes import normalise_code
from engine.calendar import LOCAL_TZ
from engine.models import User
from engine.models.web_sessions import WebSession
from engine.services.directory import to_actor
from engine.services.receipts import pin_matches
from engine.throttles import Taken
from engine.uow import UnitOfWork

from .api.bodylimit import is_upload

if TYPE_CHECKING:  # the container builds this module's throttles
    from .container import Container

__all__ = [
    "SESSION_COOKIE", "ANON_COOKIE", "LANG_COOKIE", "SESSION_IDLE", "SESSION_MAX",
    "SignedIn", "start_session", "load_session", "end_session", "set_session_language",
    "LoginThrottle", "LoginSlot", "TrackThrottle", "client_ip", "new_token", "same_token", "is_https", "cookie_options",
    "SecurityHeadersMiddleware", "CSP",
]

SESSION_COOKIE = "nd_session"
ANON_COOKIE = "nd_csrf"  # double-submit token for forms shown before sign-in
LANG_COOKIE = "nd_lang"
SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=14)
# last_seen_at is written at most this often, so reading a page is not a write.
TOUCH_EVERY = timedelta(minutes=5)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def same_token(given: Any, expected: str | None) -> bool:
    if not isinstance(given, str) or not expected or len(given) > 200:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def client_ip(scope_client: Any) -> str:
    return (scope_client.host if scope_client is not None else "") or "unknown"


def is_https(scheme: str) -> bool:
    return scheme in ("https", "wss")


def cookie_options(https: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": https, "path": "/"}


def _write(c: Container) -> UnitOfWork:
    return UnitOfWork(c.sessions, write=True)


# -- sessions --------------------------------------------------------------------

@dataclass(frozen=True)
class SignedIn:
    """The signed-in user of one request."""

    session_id: str
    user_id: int
    username: str
    full_name: str
    csrf_token: str
    language: str
    actor: Actor
    # After a password reset: only the password page (and signing out) is open.
    must_change_password: bool = False


def start_session(c: Container, user_id: int, *, language: str, ip: str, user_agent: str) -> str:
    """A new session for a user who just proved who they are; returns the cookie token."""
    now = c.clock.now()
    token = new_token()
    with _write(c) as uow:
        # Expired sessions are swept here, on the rare path, never on page reads.
        uow.session.execute(delete(WebSession).where(WebSession.expires_at < now))
        uow.session.add(WebSession(
            id=_digest(token), user_id=user_id, csrf_token=new_token(), language=language,
            created_at=now, last_seen_at=now, expires_at=now + SESSION_MAX, ip=ip[:64], user_agent=user_agent[:200],
        ))
        uow.commit()
    return token


def load_session(c: Container, token: str | None) -> SignedIn | None:
    if not token or len(token) > 200:
        return None
    now = c.clock.now()
    sid = _digest(token)
    with c.sessions() as session:
        row = session.execute(
            select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.id == sid)
        ).first()
        if row is None:
            return None
        ws, user = row
        if not user.is_active or ws.expires_at <= now or ws.last_seen_at + SESSION_IDLE <= now:
            return None
        signed = SignedIn(session_id=ws.id, user_id=user.id, username=user.username, full_name=user.full_name,
                          csrf_token=ws.csrf_token, language=ws.language,
                          actor=to_actor(user, on=now.astimezone(LOCAL_TZ).date()),
                          must_change_password=user.must_change_password)
        stale = ws.last_seen_at + TOUCH_EVERY <= now
    if stale:
        with _write(c) as uow:
            uow.session.execute(update(WebSession).where(WebSession.id == sid).values(last_seen_at=now))
            uow.commit()
    return signed


def end_session(c: Container, session_id: str) -> None:
    with _write(c) as uow:
        uow.session.execute(delete(WebSession).where(WebSession.id == session_id))
        uow.commit()


def set_session_language(c: Container, session_id: str, user_id: int, lang: str) -> None:
    """The session speaks ``lang`` from now on, and so will the user's next sessions."""
    with _write(c) as uow:
        uow.session.execute(update(WebSession).where(WebSession.id == session_id).values(language=lang))
        uow.session.execute(update(User).where(User.id == user_id).values(language=lang))
        uow.commit()


# -- throttling ------------------------------------------------------------------

@dataclass(frozen=True)
class LoginSlot:
    """One sign-in attempt, counted before its password is checked."""

    wait: int  # seconds until another attempt may be tried; 0: check the password now
    ip: Taken | None = None


class LoginThrottle:
    """At most ``per_user`` attempts for one username, and ``per_ip`` from one
    address, within ``window`` of the first one counted; then sign-in is refused
    without checking the password until that window ends. Each attempt takes its
    slot in the database *before* its password is checked (``engine.throttles``), so
    concurrent attempts cannot all pass one check. A success clears the username's
    count and gives its slot back to the address (an office behind one address
    signs in every morning)."""

    def __init__(self, per_user: int = 5, per_ip: int = 20, window: timedelta = timedelta(minutes=15)) -> None:
        self.per_user, self.per_ip, self.window = per_user, per_ip, window

    @staticmethod
    def subject(username: str) -> str:
        return username.strip().casefold()[:64]

    def _keys(self, username: str, ip: str) -> tuple[str, str]:
        return f"login-user:{self.subject(username)}", f"login-ip:{ip[:64]}"

    def take(self, c: Container, username: str, ip: str) -> LoginSlot:
        now = c.clock.now()
        user_key, ip_key = self._keys(username, ip)
        with _write(c) as uow:
            # Always the user's row first, then the address's: one lock order, no deadlock.
            by_user = throttles.take(uow.session, user_key, limit=self.per_user, window=self.window, now=now)
            if not by_user.allowed:
                uow.commit()
                return LoginSlot(by_user.wait(now))
            by_ip = throttles.take(uow.session, ip_key, limit=self.per_ip, window=self.window, now=now)
            if not by_ip.allowed:
                throttles.give_back(uow.session, user_key, by_user)  # no password was checked for the user
            uow.commit()
        return LoginSlot(by_ip.wait(now), by_ip)

    def succeeded(self, c: Container, username: str, ip: str, slot: LoginSlot) -> None:
        user_key, ip_key = self._keys(username, ip)
        with _write(c) as uow:
            throttles.forget(uow.session, user_key)
            if slot.ip is not None:
                throttles.give_back(uow.session, ip_key, slot.ip)
            uow.commit()


class TrackThrottle:
    """Public lookups: at most ``limit`` per address within ``window``; and guesses of
    a receipt's PIN, limited per code and per address (``check_pin``)."""

    def __init__(self, limit: int = 30, window: timedelta = timedelta(minutes=10)) -> None:
        self.limit, self.window = limit, window

    def allow(self, c: Container, ip: str) -> bool:
        """Counts this lookup and says whether it may be answered."""
        with _write(c) as uow:
            taken = throttles.take(uow.session, f"track:{ip[:64]}", limit=self.limit, window=self.window,
                                   now=c.clock.now())
            uow.commit()
        return taken.allowed


    # -- the receipt's PIN ---------------------------------------------------------

    pin_per_code, pin_per_ip, pin_window = 10, 30, timedelta(hours=24)

    def check_pin(self, c: Container, code: str, ip: str, pin: str) -> str:
        """``ok``, ``wrong`` or ``limited``: the PIN checked against ``code``'s receipt,
        unless ``pin_per_code`` failures for the code or ``pin_per_ip`` from the address
        were counted within ``pin_window`` — then nothing is checked at all. A 6-digit
        PIN is 10^6 values: ten guesses a day per code make finding it a matter of
        centuries, whatever the guesser's addresses. The attempt is counted atomically
        before the PIN is read (``engine.throttles``), so concurrent guesses cannot all
        read "9 so far"; a right PIN gives both slots back, so only failures count."""
        now = c.clock.now()
        subject = (normalise_code(code) or code.strip().upper())[:64]
        keys = (f"pin:{subject}", f"pin-ip:{ip[:64]}")
        with _write(c) as uow:
            by_code = throttles.take(uow.session, keys[0], limit=self.pin_per_code, window=self.pin_window, now=now)
            by_ip = throttles.take(uow.session, keys[1], limit=self.pin_per_ip, window=self.pin_window, now=now)
            refused = not (by_code.allowed and by_ip.allowed)
            for key, taken in zip(keys, (by_code, by_ip)):
                if refused and taken.allowed:
                    throttles.give_back(uow.session, key, taken)  # nothing was checked for this one
            uow.commit()
        if refused:
            return "limited"
        with _write(c) as uow:
            ok = pin_matches(uow.session, subject, pin)
            if ok:
                throttles.give_back(uow.session, keys[0], by_code)
                throttles.give_back(uow.session, keys[1], by_ip)
            uow.commit()
        return "ok" if ok else "wrong"


# -- headers and limits ----------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# FastAPI's interactive API docs load their scripts from a CDN; they keep a
# Content-Security-Policy that only forbids framing.
DOCS_PREFIXES = ("/docs", "/redoc")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response, refuses request bodies over
    ``max_body`` bytes (except under ``body_exempt`` prefixes, e.g. the JSON API which
    sets its own limits) and, outside production, reports the server time of each
    request in a ``Server-Timing`` header."""

    def __init__(self, app: ASGIApp, *, max_body: int = 1 << 20, body_exempt: tuple[str, ...] = ("/api", "/open311"),
                 server_timing: bool = True, upload_paths: re.Pattern[str] | None = None,
                 upload_max_body: int = 0, too_large_page: Callable[[Scope], Any] | None = None) -> None:
        self.app = app
        # A page's form over the limit gets an HTML page in the reader's language.
        self.too_large_page = too_large_page
        self.max_body = max_body
        # Forms that carry files (web.pages.uploads) may send up to a step's files.
        self.upload_paths = upload_paths
        self.upload_max_body = upload_max_body
        self.body_exempt = body_exempt
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        started = time.perf_counter()
        https = is_https(scope.get("scheme", "http"))
        docs = path.startswith(DOCS_PREFIXES)
        limited = not path.startswith(self.body_exempt)

        if limited:
            max_body = self.upload_max_body if is_upload(scope, self.upload_paths) else self.max_body
            declared = _content_length(scope)
            if declared is not None and declared > max_body:
                await self._too_large(scope, send, https, started)
                return
            receive = self._counting(receive, max_body)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}

                def add(name: str, value: str) -> None:
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))

                add("content-security-policy", "frame-ancestors 'none'" if docs else CSP)
                add("x-content-type-options", "nosniff")
                add("x-frame-options", "DENY")
                add("referrer-policy", "same-origin")
                add("cross-origin-opener-policy", "same-origin")
                add("permissions-policy", "camera=(), microphone=(), geolocation=()")
                if https:
                    add("strict-transport-security", "max-age=31536000")
                if self.server_timing:
                    add("server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except _BodyTooLarge:
            await self._too_large(scope, send, https, started)

    def _counting(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        return wrapped

    async def _too_large(self, scope: Scope, send: Send, https: bool, started: float) -> None:
        if self.too_large_page is not None and not str(scope.get("path", "")).startswith(self.body_exempt):
            response = self.too_large_page(scope)
            response.headers["connection"] = "close"
            for name, value in (("content-security-policy", CSP), ("x-content-type-options", "nosniff"),
                                ("x-frame-options", "DENY"), ("referrer-policy", "same-origin")):
                response.headers[name] = value
            await response(scope, _no_body, send)
            return
        body = "Yêu cầu quá lớn / Request too large".encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"), (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


async def _no_body() -> Message:
    # What is left of a refused body is not read.
    return {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
