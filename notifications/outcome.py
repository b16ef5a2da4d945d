"""What an attempt's answer means, for every channel: sent, retry later, or give up.

The one rule the SMTP and webhook channels ask, so "sent" means the same thing
everywhere: the receiver took the message.

- SMTP: ``250`` to the message (after DATA) is sent — smtplib does not raise when
  the server refuses at that point, so the reply itself must be read. A ``4xx``
  anywhere is the server saying "later"; a ``5xx`` to MAIL, RCPT or the message is
  its final word about this message. A ``5xx`` while connecting, greeting or
  signing in says nothing about the message (usually our settings or the server's
  state), so it is retried until the retry span runs out like an outage.
- HTTP: any ``2xx`` is sent. A status saying the request itself can never be taken
  (a malformed body, a gone endpoint, too large) is permanent; everything else —
  ``401``/``403``/``404`` from a receiver being set up, ``408``, ``429``, ``5xx``,
  redirects (not followed) — is retried.
- No answer at all (refused connection, timeout, dropped line) is retried.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Outcome", "SENT", "RETRY", "PERMANENT", "smtp_outcome", "http_outcome"]

Outcome = Literal["sent", "retry", "permanent"]
SENT: Outcome = "sent"
RETRY: Outcome = "retry"
PERMANENT: Outcome = "permanent"

# The SMTP steps whose 5xx is about this message (sender, recipient, content).
_MESSAGE_STEPS = frozenset({"mail", "rcpt", "data"})
_HTTP_PERMANENT = frozenset({400, 405, 410, 413, 414, 415, 422})


def smtp_outcome(code: int, step: str) -> Outcome:
    """The outcome of the server's ``code`` at ``step`` (connect, ehlo, starttls, auth,
    mail, rcpt, data). ``sent`` for a step before the message means "go on"."""
    if step == "data":
        ok = code == 250
    elif step == "rcpt":
        ok = code in (250, 251)
    else:
        ok = 200 <= code < 400
    if ok:
        return SENT
    if 500 <= code < 600 and step in _MESSAGE_STEPS:
        return PERMANENT
    return RETRY


def http_outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return SENT
    return PERMANENT if status in _HTTP_PERMANENT else RETRY
