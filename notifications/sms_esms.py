"""SMS to citizens through eSMS.vn's brandname customer-care messages.

Request (eSMS "Send OTP/Customer care message"): ``POST {NGHEDAN_ESMS_URL}/MainService.svc/
json/SendMultipleMessage_V4_post_json/``, JSON body ``ApiKey``, ``SecretKey`` (the
account's keys: eSMS authenticates in the body), ``Brandname`` (registered with the
operators), ``SmsType`` "2" (customer care), ``Phone``, ``Content``, ``IsUnicode`` "0"
(folded, ``sms_text.fit_sms``), ``Sandbox``, ``RequestId`` (the same on every retry of
one delivery, so eSMS refuses a repeat instead of sending it twice).
Answer: JSON ``CodeResult`` (a string), ``SMSID``, ``ErrorMessage``.

What an answer means (eSMS's table of error codes; HTTP statuses as ``outcome.http_outcome``):

| answer | outcome |
|---|---|
| ``CodeResult`` 100 (accepted) | sent |
| 124 (this RequestId was already taken: an earlier attempt got through) | sent |
| 99 (number blocked), 108 (not a valid number), 146 (content not a registered template) | permanent |
| 101 (wrong keys), 102 (no price list), 103 (balance), 104 (brandname unknown), 118, anything else | retried: our account's state, fixed by the operator within the retry span |
| HTTP 429, 5xx, no answer, a body that is not the JSON above | retried with backoff |
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import NotificationDelivery

from .channels import SendError
from .citizen_send import prepare_citizen
from .citizen_text import citizen_text
from .config import NotifySettings
from .outcome import PERMANENT, SENT, http_outcome
from .provider_http import post
from .sms_text import TooLong, fit_sms

__all__ = ["EsmsChannel", "PreparedSms", "esms_outcome", "SEND_PATH"]

SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
_ACCEPTED = frozenset({"100", "124"})
_PERMANENT = frozenset({"99", "108", "146"})


def esms_outcome(code: str) -> str:
    if code in _ACCEPTED:
        return SENT
    return PERMANENT if code in _PERMANENT else "retry"


@dataclass(frozen=True)
class PreparedSms:
    phone: str
    content: str
    request_id: str
    segments: int


class EsmsChannel:
    name = "sms"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.sms_enabled

    @property
    def timeout(self) -> float:
        return self.settings.sms_timeout

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> PreparedSms:
        message = prepare_citizen(session, delivery, self.settings, "sms")
        try:
            sms = fit_sms(citizen_text(message.notice), self.settings.sms_max_segments)
        except TooLong as err:
            raise SendError(str(err), permanent=True) from err
        return PreparedSms(phone=message.address, content=sms.text, segments=sms.segments,
                           request_id=hashlib.sha256(message.key.encode()).hexdigest()[:32])

    def send(self, prepared: PreparedSms, now: datetime) -> str:
        s = self.settings
        assert s.esms_api_key is not None and s.esms_secret_key is not None
        body = json.dumps({
            "ApiKey": s.esms_api_key.get_secret_value(), "SecretKey": s.esms_secret_key.get_secret_value(),
            "Brandname": s.esms_brandname, "SmsType": "2", "Phone": prepared.phone, "Content": prepared.content,
            "IsUnicode": "0", "Sandbox": "1" if s.esms_sandbox else "0", "RequestId": prepared.request_id,
        }, ensure_ascii=False).encode("utf-8")
        status, answer = post(f"{s.esms_url}{SEND_PATH}", body, {"Content-Type": "application/json"}, s.sms_timeout)
        outcome = http_outcome(status)
        if outcome != SENT:
            raise SendError(f"eSMS HTTP {status}", permanent=outcome == PERMANENT)
        try:
            document = json.loads(answer.decode("utf-8"))
            code = str(document["CodeResult"]).strip()
        except (ValueError, KeyError, TypeError):
            # Unknown whether it was taken: the retry carries the same RequestId (124 if it was).
            raise SendError(f"eSMS HTTP {status}: the answer is not eSMS's JSON") from None
        outcome = esms_outcome(code)
        if outcome == SENT:
            return f"eSMS {code} SMSID={str(document.get('SMSID') or '')[:64]}"
        # Kept in last_error, which admins read: a number the provider echoes is masked.
        error = re.sub(r"\d{6,}", "…", str(document.get("ErrorMessage") or ""))[:200]
        raise SendError(f"eSMS CodeResult {code}: {error}".rstrip(": "), permanent=outcome == PERMANENT)
