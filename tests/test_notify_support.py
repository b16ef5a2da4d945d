"""Real servers on loopback for the notification tests, and shared helpers.

No test lives here; the other test_notify*/test_email*/test_webhook*/test_digest*
modules import these fixtures. The SMTP server is aiosmtpd, the webhook receiver
the standard library's HTTP server: the channels are never mocked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine.models import Case, OutboxMessage, User
from notifications import NotifySettings

__all__ = ["SmtpServer", "WebhookReceiver", "smtp_server", "webhook_server", "notify_settings", "rng",
           "give_emails", "deadline_message", "all_text", "free_port", "LOOPBACK_ALLOWED"]

# The receivers listen on loopback, which the address policy refuses unless an
# administrator lists it: every notification test runs as such a deployment.
LOOPBACK_ALLOWED = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued as TEST"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped ("down") and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()  # RCPT TO these gets a permanent 550
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        assert self._controller is None
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.envelopes]  # type: ignore[misc]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            raws = [raw for _, rcpts, raw in self.envelopes if address in rcpts]
        return [message_from_bytes(raw, policy=policy.default) for raw in raws]  # type: ignore[misc]

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that checks each request's signature itself."""

    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer 503 to this many requests first
    now: int | None = None  # the receiver's clock for the replay check (unix seconds)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verify(self, path: str, header: str, body: bytes) -> bool:
        # Written out here rather than calling notifications.signing: a shared bug
        # would otherwise verify itself.
        secret = self.secrets.get(path)
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        if secret is None or "t" not in fields or "v1" not in fields:
            return False
        expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = self.now is None or abs(self.now - int(fields["t"])) <= 300
        return fresh and hmac.compare_digest(expected, fields["v1"])


def _make_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = receiver.verify(self.path, self.headers.get("X-Nghedan-Signature", ""), body)
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body, ok))
                failing = receiver.fail_next > 0
                if failing:
                    receiver.fail_next -= 1
            status = 503 if failing else (204 if ok else 401)
            self.send_response(status)
            payload = b"busy" if failing else (b"" if ok else b"bad signature")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def webhook_server() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(receiver))
    httpd.daemon_threads = True
    receiver.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def notify_settings(smtp_server: SmtpServer) -> NotifySettings:
    return NotifySettings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="none", smtp_timeout=5,
        mail_from="Nghe dân nói <thongbao@nghedan.test>", base_url="https://nghedan.test/",
        webhook_timeout=5, webhook_allowed_hosts=LOOPBACK_ALLOWED, backoff_base_seconds=60, backoff_max_seconds=3600,
        lease_seconds=300, batch_size=10, immediate_quiet_seconds=0, immediate_max_hold_seconds=0,
    )


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261123)


def give_emails(sessions: Any, *, english: tuple[str, ...] = ()) -> dict[str, str]:
    """Every world user gets <username>@nghedan.test; the listed ones read English."""
    with sessions() as session:
        users = list(session.scalars(select(User)))
        for user in users:
            user.email = f"{user.username}@nghedan.test"
            user.language = "en" if user.username in english else "vi"
        session.commit()
        return {u.username: u.email for u in users}  # type: ignore[misc]


def user_id(sessions: Any, username: str) -> int:
    with sessions() as session:
        return int(session.scalar(select(User.id).where(User.username == username)))


def deadline_message(sessions: Any, code: str, kind: str, recipient: str, at: datetime, *, n: int = 0,
                     extra: dict[str, Any] | None = None) -> None:
    """Write the outbox row a deadline sweep writes (issue 3): recipient set, system actor."""
    with sessions() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        uid = session.scalar(select(User.id).where(User.username == recipient))
        payload = {"code": case.code, "workflow": case.workflow_key, "state": case.state, "topic": case.topic,
                   "kind": case.kind, "origin_unit": case.origin_unit.code,
                   "handling_unit": case.handling_unit.code,
                   "due_at": case.due_at.isoformat() if case.due_at else None, **(extra or {})}
        session.add(OutboxMessage(dedup_key=f"timer:{kind}:{case.id}:{n}:{uid}", kind=kind, recipient_user_id=uid,
                                  actor_user_id=None, case_id=case.id, unit_id=case.handling_unit_id,
                                  payload=payload, created_at=at, status="pending"))
        session.commit()


def all_text(message: EmailMessage) -> str:
    """Every header and every decoded part of a message, for "never contains" checks."""
    parts = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    parts.append(message.as_string())
    return "\n".join(parts)


def advance(clock: Any, **kw: float) -> None:
    clock.advance(timedelta(**kw))
