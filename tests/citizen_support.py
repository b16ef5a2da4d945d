"""What the citizen-message tests share: settings pointed at the local contract
servers, an opinion recorded with (or without) consent, the citizen's deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.consent import ConsentInput
from engine.models import NotificationDelivery
from engine.services.cases import NewCase
from engine.services.consents import create_with_consent
from notifications import NotifySettings

from .provider_servers import ESMS_KEYS, ZALO_APP

__all__ = ["citizen_settings", "opinion_with_consent", "citizen_deliveries", "CONTENT", "NAME"]

CONTENT = "Hộ ông Trần Văn Bé ở ấp A1 bị ngập nước sau mưa"
NAME = "Trần Văn Bé"


def citizen_settings(esms: Any = None, zalo: Any = None, smtp: Any = None, **override: Any) -> NotifySettings:
    values: dict[str, Any] = dict(base_url="https://nghedan.test/", backoff_base_seconds=60,
                                  backoff_max_seconds=3600, lease_seconds=300, batch_size=20,
                                  sms_timeout=5, zalo_timeout=5)
    if esms is not None:
        values.update(esms_url=esms.url, esms_api_key=ESMS_KEYS["api"], esms_secret_key=ESMS_KEYS["secret"],
                      esms_brandname=ESMS_KEYS["brandname"])
    if zalo is not None:
        values.update(zalo_api_url=zalo.url, zalo_oauth_url=zalo.url, zalo_app_id=ZALO_APP["app_id"],
                      zalo_secret_key=ZALO_APP["secret_key"], zalo_template_id=ZALO_APP["template_id"],
                      zalo_refresh_token=zalo.refresh_token)
    if smtp is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none", smtp_timeout=5,
                      mail_from="Xã A <thongbao@xa-a.test>")
    values.update(override)
    return NotifySettings(_env_file=None, **values)  # type: ignore[call-arg]


def opinion_with_consent(container: Any, world: Any, channel: str | None, address: str | None = None, *,
                         kind: str = "kien_nghi", author_requested: bool = False, who: str = "off_a") -> str:
    new = NewCase(workflow="nghe-dan-noi", unit="A1", topic="moi_truong", kind=kind, content=CONTENT,
                  citizen_name=NAME, citizen_phone="0912345678")
    given = ConsentInput(channel, address, author_requested) if channel else None
    snap = container.cases.within(lambda uow: create_with_consent(container.cases, uow, world[who], new, given))
    return snap.code


def citizen_deliveries(sessions: Any) -> list[NotificationDelivery]:
    with sessions() as session:
        return list(session.scalars(select(NotificationDelivery).where(NotificationDelivery.kind == "citizen")
                                    .order_by(NotificationDelivery.id)))
