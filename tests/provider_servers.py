"""Local HTTP servers on 127.0.0.1 that implement the providers' documented contracts:
eSMS.vn's ``SendMultipleMessage_V4_post_json`` and Zalo's ZNS template message with
its OAuth refresh. Each checks what the provider checks (keys, brandname, number,
token, template), answers as the provider answers (``CodeResult`` / ``error``),
drops a repeated ``RequestId`` as eSMS does (124), rotates Zalo's refresh token,
and can be told to fail: an HTTP status (429, 5xx), a body that is not JSON, a
provider error code, or "accept, then garble the answer"."""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

__all__ = ["EsmsServer", "ZaloServer", "ESMS_KEYS", "ZALO_APP"]

ESMS_KEYS = {"api": "API-KEY-TEST", "secret": "SECRET-TEST", "brandname": "XA_A"}
ZALO_APP = {"app_id": "1234567890", "secret_key": "zalo-app-secret", "template_id": "301234"}


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Injected failures, answered in turn before the contract: ("status", 429), ("raw", b"..."),
        # ("code", "103"), ("garble", None) (do the work, then answer something that is not JSON).
        self.script: list[tuple[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = owner.handle(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        raise NotImplementedError

    def _scripted(self, work: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
        with self.lock:
            step = self.script.pop(0) if self.script else None
        if step is None:
            return work()
        what, value = step
        if what == "status":
            return value, b'{"message":"busy"}' if value == 429 else b"<html>error</html>"
        if what == "raw":
            return 200, value
        if what == "garble":
            work()
            return 200, b'{"CodeResult": "100", "SMSID": '  # cut off mid-answer
        return self.coded(value)

    def coded(self, code: Any) -> tuple[int, bytes]:
        raise NotImplementedError


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


class EsmsServer(_Server):
    """eSMS: every answer is HTTP 200 with a JSON ``CodeResult``; ``delivered`` holds
    the messages it took (phone, content), once per RequestId."""

    PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"

    def __init__(self) -> None:
        super().__init__()
        self.delivered: list[tuple[str, str]] = []
        self.request_ids: set[str] = set()

    def coded(self, code: Any) -> tuple[int, bytes]:
        return 200, _json({"CodeResult": str(code), "ErrorMessage": f"error {code} for 0901234567"})

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if path != self.PATH:
            return 404, b"{}"
        try:
            doc = json.loads(body)
        except ValueError:
            return 400, b'{"Message":"The request is invalid."}'
        with self.lock:
            self.requests.append(doc)
        return self._scripted(lambda: self._send(doc))

    def _send(self, doc: dict[str, Any]) -> tuple[int, bytes]:
        if doc.get("ApiKey") != ESMS_KEYS["api"] or doc.get("SecretKey") != ESMS_KEYS["secret"]:
            return self.coded(101)
        if doc.get("Brandname") != ESMS_KEYS["brandname"]:
            return self.coded(104)
        if doc.get("SmsType") != "2" or doc.get("IsUnicode") not in ("0", "1"):
            return self.coded(118)
        if not re.fullmatch(r"0\d{9}|84\d{9}", str(doc.get("Phone"))):
            return self.coded(108)
        content = str(doc.get("Content") or "")
        if doc.get("IsUnicode") == "0" and not content.isascii():
            return self.coded(118)
        with self.lock:
            rid = str(doc.get("RequestId") or "")
            if rid and rid in self.request_ids:
                return self.coded(124)
            self.request_ids.add(rid)
            self.delivered.append((str(doc["Phone"]), content))
        return 200, _json({"CodeResult": "100", "CountRegenerate": 0, "SMSID": secrets.token_hex(8)})


class ZaloServer(_Server):
    """Zalo: the OAuth refresh (rotating refresh token, single use) and the ZNS send
    (``error`` 0 or a negative code, -124 for a token that is not the current one)."""

    SEND = "/message/template"
    REFRESH = "/v4/oa/access_token"

    def __init__(self, refresh_token: str = "refresh-0") -> None:
        super().__init__()
        self.refresh_token = refresh_token
        self.access_tokens: set[str] = set()
        self.refreshes = 0
        self.delivered: list[dict[str, Any]] = []
        self.refresh_script: list[tuple[int, bytes]] = []

    def coded(self, code: Any) -> tuple[int, bytes]:
        return 200, _json({"error": int(code), "message": f"error {code}"})

    def expire_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        lower = {k.lower(): v for k, v in headers.items()}
        if path == self.REFRESH:
            return self._refresh(lower, body)
        if path != self.SEND:
            return 404, b"{}"
        try:
            doc = json.loads(body)
        except ValueError:
            return 200, _json({"error": -122, "message": "Body format invalid"})
        with self.lock:
            self.requests.append({"token": lower.get("access_token"), **doc})
        return self._scripted(lambda: self._send(lower.get("access_token"), doc))

    def _refresh(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            if self.refresh_script:
                return self.refresh_script.pop(0)
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if headers.get("secret_key") != ZALO_APP["secret_key"] or form.get("app_id") != ZALO_APP["app_id"]:
                return 200, _json({"error": -14002, "error_name": "Invalid app id or secret key"})
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return 200, _json({"error": -14014, "error_name": "Invalid refresh token"})
            self.refreshes += 1
            access, self.refresh_token = f"access-{self.refreshes}", f"refresh-{self.refreshes}"
            self.access_tokens = {access}  # the old access token stops working too
            return 200, _json({"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"})

    def _send(self, token: str | None, doc: dict[str, Any]) -> tuple[int, bytes]:
        with self.lock:
            if token not in self.access_tokens:
                return self.coded(-124)
        if not re.fullmatch(r"84\d{9}", str(doc.get("phone"))):
            return self.coded(-108)
        if doc.get("template_id") != ZALO_APP["template_id"]:
            return self.coded(-109)
        data = doc.get("template_data")
        if not isinstance(data, dict) or not data.get("ma_y_kien"):
            return self.coded(-112)
        with self.lock:
            self.delivered.append(doc)
        return 200, _json({"error": 0, "message": "Success",
                           "data": {"msg_id": secrets.token_hex(8), "sent_time": "1700000000000"}})
