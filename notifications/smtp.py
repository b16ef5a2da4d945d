"""Talking SMTP: connect, EHLO, STARTTLS or SSL, login, MAIL, RCPT, DATA.

Done step by step with smtplib rather than ``send_message`` so that every reply
of the server is kept: ``nghedan notify test`` prints them, and a delivery
records the reply to its DATA ("250 2.0.0 Ok: queued as …").
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

__all__ = ["SmtpTransport", "Transcript"]


@dataclass
class Transcript:
    """What was said, one line per step: "C: MAIL FROM:<…>" then "S: 250 OK"."""

    lines: list[str] = field(default_factory=list)
    accepted: str = ""  # the server's reply to the message itself

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
        except smtplib.SMTPResponseException as err:
            _close(smtp)
            line = t.server(err.smtp_code, err.smtp_error)
            raise SendError(f"SMTP {line}", transcript=t.lines) from err
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
        t.server(*smtp.connect(s.smtp_host or "", s.port))
        t.client("EHLO")
        t.server(*smtp.ehlo())
        if s.smtp_security == "starttls":
            t.client("STARTTLS")
            t.server(*smtp.starttls(context=context))
            t.client("EHLO")
            t.server(*smtp.ehlo())
        if s.smtp_username:
            t.client(f"AUTH as {s.smtp_username}")
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            t.server(*smtp.login(s.smtp_username, password))
        sender = parseaddr(s.mail_from or "")[1] or (s.mail_from or "")
        t.client(f"MAIL FROM:<{sender}>")
        code, reply = smtp.mail(sender)
        line = t.server(code, reply)
        if code != 250:
            raise SendError(f"sender refused: {line}")
        for addr in to_addrs:
            t.client(f"RCPT TO:<{addr}>")
            code, reply = smtp.rcpt(addr)
            line = t.server(code, reply)
            if code not in (250, 251):
                # 5xx: the mailbox does not exist or is refused for good; 4xx: try later.
                raise SendError(f"recipient refused: {line}", permanent=500 <= code < 600)
        t.client("DATA")
        code, reply = smtp.data(message.as_bytes(policy=policy.SMTP))
        t.accepted = t.server(code, reply)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
