"""No secret and no personal data in any log line: the real server (`nghedan serve`
in a subprocess on 127.0.0.1) is driven with an api_key in the query, bearer tokens,
a sign-in with a password, a search for a citizen and cases with a citizen's name
and phone; its whole log output is then read. The filter itself is also fed records
an application could write (a message, a traceback)."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from web.logs import SecretFilter, redact_path

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer
from .test_notify_support import free_port
from .world import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
WAIT = 60  # seconds: a bound for the server to start and stop, never a timing assumption

CITIZEN = "Phạm Thị Riêng Tư"
PHONE = "0912345678"
EMAIL = "rieng.tu@example.vn"
WRONG_PASSWORD = "sai-mật-khẩu-7x"
PIN = "482913"


def _serve(db_url: str, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NGHEDAN_DATABASE_URL": db_url, "NGHEDAN_ENVIRONMENT": "test"}
    return subprocess.Popen([sys.executable, "-c", "from web.cli.main import main; main()", "serve",
                             "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_until_up(http: httpx.Client, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited: {server.communicate()}")
        try:
            if http.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the server did not start")


def _drive(http: httpx.Client, tokens: dict[str, str]) -> list[str]:
    """What a day's clients do; returns the secrets the server was given on the way."""
    assert http.get("/open311/v2/requests.json", params={"api_key": tokens["off_a"], "status": "open"}) \
        .status_code == 200
    opened = http.post("/open311/v2/requests.json", headers=bearer(tokens["off_kt"]), data={
        "service_code": "dien_nuoc", "attribute[unit]": "A-KT", "description": "Ống nước vỡ",
        "first_name": "Thị Riêng Tư", "last_name": "Phạm", "phone": PHONE, "email": EMAIL})
    assert opened.status_code == 201, opened.text
    assert http.get("/api/v1/me", headers=bearer(tokens["lead_a"])).status_code == 200
    created = http.post("/api/v1/cases", headers=bearer(tokens["lead_a"]), json={
        "workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi",
        "content": "Nước sinh hoạt bị đục", "citizen_name": CITIZEN, "citizen_phone": PHONE})
    assert created.status_code == 201, created.text
    # A client that puts its token where it should not; a tracking link with a PIN.
    assert http.get("/api/v1/me", params={"access_token": tokens["aud_p"]}).status_code == 422  # unknown query
    http.get("/tra-cuu", params={"code": created.json()["code"], "pin": PIN})

    page = http.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = http.post("/login", data={"username": "lead_a", "password": WRONG_PASSWORD, "csrf": csrf})
    assert refused.status_code == 401
    signed_in = http.post("/login", data={"username": "off_a", "password": PASSWORD, "csrf": csrf, "next": "/"})
    assert signed_in.status_code == 303, signed_in.text
    session = http.cookies["nd_session"]
    assert http.get("/cases", params={"q": CITIZEN, "state": "received"}).status_code == 200
    assert http.get("/cases", params={"q": PHONE}).status_code == 200
    return [*tokens.values(), PASSWORD, WRONG_PASSWORD, session, csrf, http.cookies["nd_csrf"], CITIZEN, PHONE,
            EMAIL, PIN, "Riêng Tư"]


def test_the_servers_whole_log_carries_no_secret_and_no_citizen(db_url, tokens):
    port = free_port()
    server = _serve(db_url, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as http:
            _wait_until_up(http, server)
            secrets = _drive(http, tokens)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    log = out + err
    # The requests were logged (so the check below reads a real log), with their values redacted.
    assert '"GET /open311/v2/requests.json?api_key=[redacted]&status=open HTTP/1.1" 200' in log
    assert '"GET /cases?q=[redacted]&state=received HTTP/1.1" 200' in log
    assert '"GET /api/v1/me?access_token=[redacted] HTTP/1.1" 422' in log
    assert '"POST /login HTTP/1.1" 303' in log
    for secret in secrets:
        for spelling in {secret, quote(secret), quote_plus(secret)}:
            assert spelling not in log, f"{secret!r} is in the log"
    assert "authorization" not in log.lower()


def _through_filter(emit) -> str:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    logger = logging.getLogger("tests.logs.filtered")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_applications_own_records_are_scrubbed_tracebacks_included():
    token = "nd_" + "Q" * 43

    def emit(logger: logging.Logger) -> None:
        logger.warning("retrying with Authorization: Bearer %s for %s", token, EMAIL)
        try:
            raise ValueError(f"password={WRONG_PASSWORD} phone {PHONE} +84 912 345 678 whsec_{'k' * 40}")
        except ValueError:
            logger.exception("could not save case TVH-2026-7K3M9QX")

    text = _through_filter(emit)
    for secret in (token, EMAIL, WRONG_PASSWORD, PHONE, "912 345 678", "whsec_k"):
        assert secret not in text
    # What is not secret stays, so the log is still of use.
    assert "retrying with Authorization: [redacted]" in text and "TVH-2026-7K3M9QX" in text
    assert "ValueError: password=[redacted] phone [phone] [phone]" in text and "Traceback" in text


@pytest.mark.parametrize("path, shown", [
    ("/open311/v2/requests.json?api_key=nd_abc&status=open",
     "/open311/v2/requests.json?api_key=[redacted]&status=open"),
    ("/x?TOKEN=a&Password=b&q=Nguy%E1%BB%85n&page=2", "/x?TOKEN=[redacted]&Password=[redacted]&q=[redacted]&page=2"),
    ("/x?nd_abcdefgh", "/x?[redacted]"),
    ("/cases/TVH-2026-7K3M9QX", "/cases/TVH-2026-7K3M9QX"),
])
def test_a_request_line_keeps_only_harmless_values(path, shown):
    assert redact_path(path) == shown
