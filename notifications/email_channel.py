"""The email channel: a delivery becomes one multipart message sent over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from engine.calendar import LOCAL_TZ
from engine.models import NotificationDelivery

from .channels import SendError
from .config import NotifySettings
from .mail import assemble, build_message
from .render import render_pair
from .smtp import SmtpTransport, Transcript
from .text import StateLabel, default_state_label

__all__ = ["EmailChannel", "PreparedEmail", "send_test_email"]


@dataclass(frozen=True)
class PreparedEmail:
    message: EmailMessage
    to: str


class EmailChannel:
    name = "email"

    def __init__(self, settings: NotifySettings, state_label: StateLabel = default_state_label) -> None:
        self.settings = settings
        self.state_label = state_label
        self.transport = SmtpTransport(settings)

    @property
    def enabled(self) -> bool:
        return self.settings.email_enabled

    @property
    def timeout(self) -> float:
        # connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA: each may take the socket timeout.
        return self.settings.smtp_timeout * 4

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> PreparedEmail:
        message = build_message(session, delivery, self.settings, now, self.state_label)
        return PreparedEmail(message=message, to=str(message["To"]))

    def send(self, prepared: PreparedEmail, now: datetime) -> str:
        return self.transport.send(prepared.message, [prepared.to]).accepted


def send_test_email(settings: NotifySettings, to: str, now: datetime, lang: str = "vi") -> Transcript:
    """Send the test message of ``nghedan notify test``; SendError carries the transcript."""
    if not settings.email_enabled:
        raise SendError("email is not configured: set NGHEDAN_SMTP_HOST and NGHEDAN_MAIL_FROM")
    server = f"{settings.smtp_host}:{settings.port}, {settings.smtp_security}"
    sent_at = now.astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y")
    text, html = render_pair("test", lang, server=server, sent_at=sent_at)
    subject = "Thư thử nghiệm" if lang != "en" else "Test message"
    prefix = f"{settings.mail_subject_prefix} " if settings.mail_subject_prefix else ""
    message = assemble(subject=f"{prefix}{subject}", text=text, html=html, to=to, settings=settings, now=now,
                       key=f"test:{to}:{now.isoformat()}", lang=lang)
    return SmtpTransport(settings).send(message, [to])
