"""Email to a citizen who agreed to it, over the same SMTP server as the officials' email.

One message per step (no grouping: a citizen hears of their own opinion), in
Vietnamese, from the ``citizen`` templates; the consent is asked again before it
goes (``citizen_send``). What the server's answer means is ``outcome.smtp_outcome``'s
rule, through ``SmtpTransport``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from engine.catalogue import text as _
from engine.models import NotificationDelivery

from .citizen_send import prepare_citizen
from .citizen_text import LANG, citizen_sentence, status_word
from .config import NotifySettings
from .mail import assemble
from .render import render_pair
from .smtp import SmtpTransport

__all__ = ["CitizenEmailChannel", "PreparedCitizenEmail"]


@dataclass(frozen=True)
class PreparedCitizenEmail:
    message: EmailMessage
    to: str


class CitizenEmailChannel:
    name = "citizen_email"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.transport = SmtpTransport(settings)

    @property
    def enabled(self) -> bool:
        return self.settings.email_enabled

    @property
    def timeout(self) -> float:
        return self.settings.smtp_timeout * 4

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> PreparedCitizenEmail:
        message = prepare_citizen(session, delivery, self.settings, "email")
        n = message.notice
        sentence = citizen_sentence(n)
        prefix = f"{self.settings.mail_subject_prefix} " if self.settings.mail_subject_prefix else ""
        subject = prefix + _("citizen.subject", LANG, code=n.code, status=status_word(n.notice).lower())
        text, html = render_pair("citizen", "vi", subject=subject, sentence=sentence, code=n.code,
                                 tracking_url=n.tracking_url)
        email = assemble(subject=subject, text=text, html=html, to=message.address, settings=self.settings, now=now,
                         key=message.key, lang="vi")
        return PreparedCitizenEmail(email, message.address)

    def send(self, prepared: PreparedCitizenEmail, now: datetime) -> str:
        return self.transport.send(prepared.message, [prepared.to]).accepted
