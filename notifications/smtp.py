"""Talking SMTP: connect, EHLO, STARTTLS or SSL, login, MAIL, RCPT, DATA.

Done step by step with smtplib rather than ``send_message`` so that every reply
of the server is kept: ``nghedan notify test`` prints them, and a delivery
records the reply to its DATA ("250 2.0.0 Ok: queued as …"). What each reply
means (go on, retry later, give up) is decided by ``outcome.smtp_outcome``; only
a 250 to the message itself returns normally.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr

from .channels import SendError
from .config import NotifySettings
from .outcome import PERMANENT, SENT, smtp_outcome

__all__ = ["SmtpTransport", "Transcript"]


@dataclass
class Transcript:
    """What was said, one line per step: "C: MAIL FROM:<…>" then "S: 250 OK"."""

    lines: list[str] = field(default_factory=list)
    accepted: str = ""  # the server's reply to the message itself
    step: str = "connect"  # the step under way, for what a failure means

    def client(self, text: str) -> None:
        self.lines.append(f"C: {text}")

    def server(self, code: int, reply: bytes | str) -> str:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        line = f"{code} {' | '.join(text.splitlines())}".strip()
        self.lines.append(f"S: {line}")
        return line


class SmtpTransport:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage, to_addrs: list[str]) -> Transcript:
        """Send one message; raise SendError (carrying the transcript so far) on any failure."""
        s = self.settings
        t = Transcript()
        if not s.smtp_host or not s.mail_from:
            raise SendError("email is not configured (NGHEDAN_SMTP_HOST, NGHEDAN_MAIL_FROM)")
        context = ssl.create_default_context()
        smtp = (smtplib.SMTP_SSL(timeout=s.smtp_timeout, context=context) if s.smtp_security == "ssl"
                else smtplib.SMTP(timeout=s.smtp_timeout))
        try:
            self._converse(smtp, context, message, to_addrs, t)
        except SendError as err:
            _close(smtp)
            err.transcript = t.lines
            raise
        except smtplib.SMTPResponseException as err:  # e.g. 421 at connect, 554 to DATA itself
            _close(smtp)
            line = t.server(err.smtp_code, err.smtp_error)
            permanent = smtp_outcome(err.smtp_code, t.step) == PERMANENT
            raise SendError(f"SMTP {line}", permanent=permanent, transcript=t.lines) from err
        except (smtplib.SMTPException, OSError) as err:  # refused, timed out, TLS failed, …
            _close(smtp)
            raise SendError(f"{type(err).__name__}: {err}", transcript=t.lines) from err
        try:
            t.client("QUIT")
            t.server(*smtp.quit())
        except (smtplib.SMTPException, OSError):
            _close(smtp)  # the message is accepted already; a rude goodbye changes nothing
        return t

    def _converse(self, smtp: smtplib.SMTP, context: ssl.SSLContext, message: EmailMessage,
                  to_addrs: list[str], t: Transcript) -> None:
        s = self.settings
        t.client(f"connect {s.smtp_host}:{s.port} ({s.smtp_security})")
        _expect(t, "greeting refused", *smtp.connect(s.smtp_host or "", s.port))
        t.step = "ehlo"
        t.client("EHLO")
        _expect(t, "EHLO refused", *smtp.ehlo())
        if s.smtp_security == "starttls":
            t.step = "starttls"
            t.client("STARTTLS")
            t.server(*smtp.starttls(context=context))
            t.client("EHLO")
            t.server(*smtp.ehlo())
        if s.smtp_username:
            t.step = "auth"
            t.client(f"AUTH as {s.smtp_username}")
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            t.server(*smtp.login(s.smtp_username, password))
        sender = parseaddr(s.mail_from or "")[1] or (s.mail_from or "")
        t.step = "mail"
        t.client(f"MAIL FROM:<{sender}>")
        _expect(t, "sender refused", *smtp.mail(sender))
        t.step = "rcpt"
        for addr in to_addrs:
            t.client(f"RCPT TO:<{addr}>")
            _expect(t, "recipient refused", *smtp.rcpt(addr))
        t.step = "data"
        t.client("DATA")
        # smtplib raises only if DATA itself is refused; the reply to the message is returned.
        code, reply = smtp.data(message.as_bytes(policy=policy.SMTP))
        t.accepted = _expect(t, "message refused", code, reply)


def _expect(t: Transcript, what: str, code: int, reply: bytes | str) -> str:
    """Record the reply; raise SendError unless it lets the message go on."""
    line = t.server(code, reply)
    outcome = smtp_outcome(code, t.step)
    if outcome != SENT:
        raise SendError(f"{what}: {line}", permanent=outcome == PERMANENT)
    return line


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
