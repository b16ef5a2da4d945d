"""An aiosmtpd server on loopback whose answers to DATA are scripted, and with a size
limit: the refusals of issue 13 (451, 550, 552 at DATA) come from a real server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller

from notifications import NotifySettings

from .test_notify_support import SmtpServer, _Handler

__all__ = ["ScriptedSmtpServer", "scripted_smtp", "settings_for", "smtp_env", "StatusServer"]


class _ScriptedHandler(_Handler):
    server: ScriptedSmtpServer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            reply = self.server.data_replies.pop(0) if self.server.data_replies else None
            self.server.offered.append(bytes(envelope.content))
        if reply is not None and not reply.startswith("250"):
            return reply  # refused: not kept, as a real server would not deliver it
        return await super().handle_DATA(server, session, envelope)


class ScriptedSmtpServer(SmtpServer):
    """``data_replies`` answer the next messages in turn (then 250); ``offered`` holds
    every message the client sent, accepted or not; ``envelopes`` only the accepted."""

    def __init__(self, data_size_limit: int | None = None) -> None:
        super().__init__()
        self.data_replies: list[str] = []
        self.offered: list[bytes] = []
        self.data_size_limit = data_size_limit

    def start(self) -> None:
        assert self._controller is None
        extra = {"data_size_limit": self.data_size_limit} if self.data_size_limit else {}
        self._controller = Controller(_ScriptedHandler(self), hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()


@pytest.fixture
def scripted_smtp() -> Iterator[ScriptedSmtpServer]:
    server = ScriptedSmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(server: SmtpServer, **override: Any) -> NotifySettings:
    """What the tests' ``notify_settings`` say, pointed at ``server``, with the default
    retry span and backoff (which the outage tests are about)."""
    values: dict[str, Any] = dict(
        smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="none", smtp_timeout=5,
        mail_from="Nghe dân nói <thongbao@nghedan.test>", base_url="https://nghedan.test/",
        webhook_timeout=5, webhook_allowed_hosts="127.0.0.1", lease_seconds=300, batch_size=10, immediate_quiet_seconds=0, immediate_max_hold_seconds=0)
    values.update(override)
    return NotifySettings(_env_file=None, **values)  # type: ignore[call-arg]


def smtp_env(server: SmtpServer) -> dict[str, str]:
    """The environment `nghedan notify …` reads the same settings from."""
    return {"NGHEDAN_SMTP_HOST": "127.0.0.1", "NGHEDAN_SMTP_PORT": str(server.port),
            "NGHEDAN_SMTP_SECURITY": "none", "NGHEDAN_MAIL_FROM": "Xã A <thongbao@xa-a.test>"}


class StatusServer:
    """An HTTP server on 127.0.0.1 answering every POST with ``status``."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.bodies: list[bytes] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                owner.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> StatusServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
