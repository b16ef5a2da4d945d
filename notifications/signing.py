"""Webhook signatures: ``X-Nghedan-Signature: t=<unix>,v1=<hex>``.

``v1`` is HMAC-SHA256, keyed with the subscription's secret, of ``"<t>.<raw body>"``.
The timestamp is inside the signed content, so a captured request cannot be
replayed later with a fresh timestamp; receivers reject old ones (``tolerance``)
and drop repeats by the ``Idempotency-Key`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["SIGNATURE_HEADER", "new_secret", "sign", "signature_header", "verify_signature"]

SIGNATURE_HEADER = "X-Nghedan-Signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: parse the header, check the age, compare in constant time."""
    parts: dict[str, list[str]] = {}
    for piece in header.split(","):
        name, _, value = piece.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
