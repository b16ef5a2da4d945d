"""Zalo ZNS: a template message to the citizen's Zalo account (by phone number).

Request: ``POST {NGHEDAN_ZALO_API_URL}/message/template``, header ``access_token``
(``zalo_tokens``), JSON body ``phone`` ("84…"), ``template_id`` (the approved
template, ``NGHEDAN_ZALO_TEMPLATE_ID``), ``template_data`` and ``tracking_id`` (the
delivery's key, hashed: the same on every retry). The template's parameters, which
the template registered with Zalo must declare: ``ma_y_kien`` (the code),
``trang_thai`` (the step, ``citizen_text.status_word``), ``ngay`` (deadline or
appointment, dd/mm/yyyy, may be empty), ``don_vi`` (the unit now handling it).
Answer: JSON ``error`` (0 = accepted), ``message``, ``data.msg_id``.

What an answer means (Zalo's ZNS error table):

| ``error`` | outcome |
|---|---|
| 0 | sent |
| -124, -216 (access token invalid or expired) | refresh the token (stored for every worker), send once more; still refused: retried |
| -108 (phone invalid), -109 (template id), -111, -112 (template data), -114 (user inactive or refusing), -117, -118 (no Zalo account), -119, -121, -122, -131, -139 | permanent |
| -115, -144, -147 (quota), -133 (outside the hours ZNS may send), -100 (Zalo's own error), anything else | retried with backoff |
| HTTP 429, 5xx, no answer, a body that is not JSON | retried |
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.models import NotificationDelivery

from .channels import SendError
from .citizen_send import prepare_citizen
from .citizen_text import status_word
from .config import NotifySettings
from .outcome import PERMANENT, SENT, http_outcome
from .provider_http import post
from .zalo_tokens import access_token, refresh_access_token

__all__ = ["ZaloChannel", "PreparedZalo", "zns_outcome", "SEND_PATH", "TOKEN_ERRORS", "international"]

SEND_PATH = "/message/template"
TOKEN_ERRORS = frozenset({-124, -216})
_PERMANENT = frozenset({-108, -109, -111, -112, -114, -117, -118, -119, -121, -122, -131, -139})
# Zalo's limit for a template parameter of the "code" and "custom label" types.
PARAM_LIMIT = 30


def zns_outcome(error: int) -> str:
    if error == 0:
        return SENT
    if error in TOKEN_ERRORS:
        return "token"
    return PERMANENT if error in _PERMANENT else "retry"


def international(phone: str) -> str:
    """"0901234567" → "84901234567", the form ZNS takes."""
    return "84" + phone[1:] if phone.startswith("0") else phone


@dataclass(frozen=True)
class PreparedZalo:
    body: bytes


class ZaloChannel:
    name = "zalo"

    def __init__(self, settings: NotifySettings, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.settings, self.sessions, self.clock = settings, sessions, clock

    @property
    def enabled(self) -> bool:
        return self.settings.zalo_enabled

    @property
    def timeout(self) -> float:
        # A send, a token refresh and the send again.
        return self.settings.zalo_timeout * 3

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> PreparedZalo:
        message = prepare_citizen(session, delivery, self.settings, "zalo")
        n = message.notice
        data = {"ma_y_kien": n.code, "trang_thai": status_word(n.notice), "ngay": n.appointment or n.due or "",
                "don_vi": n.unit_name or ""}
        if any(len(v) > PARAM_LIMIT for k, v in data.items() if k != "don_vi"):
            raise SendError("a template parameter is longer than Zalo allows", permanent=True)
        data["don_vi"] = data["don_vi"][:100]
        body = {"phone": international(message.address), "template_id": self.settings.zalo_template_id,
                "template_data": data, "tracking_id": hashlib.sha256(message.key.encode()).hexdigest()[:32]}
        return PreparedZalo(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8"))

    def _send(self, prepared: PreparedZalo, token: str) -> tuple[str, str]:
        status, answer = post(f"{self.settings.zalo_api_url}{SEND_PATH}", prepared.body,
                              {"Content-Type": "application/json", "access_token": token}, self.settings.zalo_timeout)
        outcome = http_outcome(status)
        if outcome != SENT:
            raise SendError(f"Zalo HTTP {status}", permanent=outcome == PERMANENT)
        try:
            document = json.loads(answer.decode("utf-8"))
            error = int(document["error"])
        except (ValueError, KeyError, TypeError):
            raise SendError(f"Zalo HTTP {status}: the answer is not ZNS's JSON") from None
        if error == 0:
            msg_id = document.get("data", {}).get("msg_id") if isinstance(document.get("data"), dict) else None
            return SENT, f"ZNS msg_id={str(msg_id or '')[:64]}"
        return zns_outcome(error), f"ZNS error {error}: {str(document.get('message') or '')[:120]}"

    def send(self, prepared: PreparedZalo, now: datetime) -> str:
        token = access_token(self.sessions, self.settings, self.clock)
        outcome, said = self._send(prepared, token)
        if outcome == "token":
            # Expired or revoked before its time: one refresh, one more try.
            token = refresh_access_token(self.sessions, self.settings, self.clock, token)
            outcome, said = self._send(prepared, token)
        if outcome == SENT:
            return said
        raise SendError(said, permanent=outcome == PERMANENT)
