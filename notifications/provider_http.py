"""One POST to a messaging provider (eSMS, Zalo), with no redirect followed.

The provider URLs are the operator's settings, not addresses users register, so
the webhook address policy does not apply; ``http`` is allowed for a local test
server. No answer at all (refused, timeout, dropped) raises a retryable SendError;
any HTTP answer is returned for the caller's reading of it.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from .channels import SendError

__all__ = ["post", "MAX_ANSWER"]

MAX_ANSWER = 64 * 1024


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SendError(f"not an http(s) URL: {parts.scheme}://{parts.hostname}", permanent=False)
    conn_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_type(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers={"Content-Length": str(len(body)), **headers})
        response = conn.getresponse()
        return response.status, response.read(MAX_ANSWER)
    except (OSError, http.client.HTTPException) as err:
        raise SendError(f"no answer from {parts.hostname}: {type(err).__name__}") from err
    finally:
        conn.close()
