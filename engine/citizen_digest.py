"""What a case's history chains of the citizen's identity.

The creation event must pin who spoke (an identity changed later is detectable),
but the history is exported and a plain SHA-256 of "name|phone|address" is not
secret: a phone-only denouncer's number falls out of it by trying the 10^8 numbers
of one prefix, in about a minute. So the chain holds a keyed digest::

    citizen_digest = HMAC-SHA256(key = the case's salt, sha256("name|phone|address"))

with 32 random bytes of salt per case, kept on the case row and nowhere else (no
snapshot, export, API answer or message carries it). Without the salt the digest
says nothing; two cases of the same citizen get unrelated digests; an exported chain
still recomputes end to end, because the digest itself is an ordinary value in the
event's data. The inner SHA-256 is what chains written before salting held (key
``citizen_sha256``), which is how migration 0010 re-keys them without reading any
identity.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["DIGEST_KEY", "LEGACY_KEY", "new_salt", "identity_sha256", "keyed", "citizen_digest"]

DIGEST_KEY = "citizen_digest"
LEGACY_KEY = "citizen_sha256"


def new_salt() -> str:
    return secrets.token_hex(32)


def identity_sha256(name: str | None, phone: str | None, address: str | None) -> str:
    who = "|".join(x or "" for x in (name, phone, address))
    return hashlib.sha256(who.encode()).hexdigest()


def keyed(salt: str, inner: str) -> str:
    if not salt:  # an empty key would still "work", and protect nothing
        raise ValueError("a case's identity digest needs its salt")
    return hmac.new(bytes.fromhex(salt), inner.encode("ascii"), hashlib.sha256).hexdigest()


def citizen_digest(salt: str, name: str | None, phone: str | None, address: str | None) -> str:
    return keyed(salt, identity_sha256(name, phone, address))
