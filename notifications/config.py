"""Delivery settings, from the environment (prefix ``NGHEDAN_``) or a ``.env`` file.

No secret has a default: without ``NGHEDAN_SMTP_HOST`` and ``NGHEDAN_MAIL_FROM`` the
email channel is simply off, and email deliveries wait (nothing is lost) until it is
configured. Webhooks need no settings beyond their subscriptions, unless one must
reach a host the address policy refuses (loopback, the local network):
``NGHEDAN_WEBHOOK_ALLOWED_HOSTS`` lists such hosts, comma separated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.address_policy import AddressPolicy, parse_allowed_hosts

__all__ = ["NotifySettings"]


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NGHEDAN_", env_file=".env", extra="ignore")

    # -- email (SMTP) ----------------------------------------------------------------
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, description="Default 465 for ssl, 587 for starttls, 25 for none")
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=30.0, gt=0)
    mail_from: str | None = None
    mail_subject_prefix: str = "[Nghe dân nói]"
    # Links in messages point here: {base_url}/cases/{code}.
    base_url: str = "http://127.0.0.1:8000"

    # What one email may carry (bounds.py): at most this many cases, worst first, the
    # rest counted with a link to the board; and at most this many bytes encoded, well
    # under the usual server limits (10–25 MB; some 2 MB), so no sweep is refused as too big.
    email_max_cases: int = Field(default=50, ge=1)
    email_max_bytes: int = Field(default=1_000_000, ge=20_000)

    # -- webhooks --------------------------------------------------------------------
    webhook_timeout: float = Field(default=10.0, gt=0)
    # Hosts (names or addresses, comma separated) a webhook may reach although the
    # address policy refuses them: e.g. an integration on this machine or the LAN.
    webhook_allowed_hosts: str = ""

    # -- messages to citizens (only with their consent: engine.consent) -------------
    # Links in citizens' messages: {public_url}/tra-cuu (default: base_url).
    public_url: str | None = None
    # SMS through eSMS.vn (brandname customer-care messages, SmsType 2). Off until the
    # API key, the secret key and a registered brandname are set. The base URL is a
    # setting so tests (and a sandbox) point elsewhere; it is the operator's, fixed,
    # so the webhook address policy (for URLs users register) does not apply.
    esms_url: str = "https://rest.esms.vn"
    esms_api_key: SecretStr | None = None
    esms_secret_key: SecretStr | None = None
    esms_brandname: str | None = None
    esms_sandbox: bool = False
    # Longest message, in SMS segments (160 GSM characters, 153 each when several).
    sms_max_segments: int = Field(default=2, ge=1, le=6)
    sms_timeout: float = Field(default=15.0, gt=0)
    # Zalo ZNS (template messages of an approved Official Account). Off until the app
    # id, the secret key, the approved template's id and a first refresh token are set;
    # the rotating refresh token then lives in the database (provider_tokens).
    zalo_api_url: str = "https://business.openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_app_id: str | None = None
    zalo_secret_key: SecretStr | None = None
    zalo_template_id: str | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_timeout: float = Field(default=15.0, gt=0)

    # -- retries ---------------------------------------------------------------------
    # A failing delivery is retried for this long after its first attempt, then dead:
    # a time, not a count, so that an outage of a weekend is survived however the
    # backoff is tuned. Delays double from the base up to the cap, which bounds how
    # long a message waits after the server is back.
    retry_span_seconds: float = Field(default=48 * 3600.0, gt=0)
    backoff_base_seconds: float = Field(default=60.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # A claimed delivery is someone else's to retry once its lease has run out.
    lease_seconds: float = Field(default=300.0, gt=0)
    batch_size: int = Field(default=50, ge=1)
    # After this many failed emails in a row, a pass stops trying the mail server and
    # leaves the rest for later (attempts not counted): a server that times out
    # would otherwise hold the pass for batch × timeout.
    email_breaker_failures: int = Field(default=5, ge=1)

    # -- grouping --------------------------------------------------------------------
    # An immediate user's email waits until no new item came for this long (so one
    # sweep's alerts make one email), but never longer than the hold limit.
    immediate_quiet_seconds: float = Field(default=20.0, ge=0)
    immediate_max_hold_seconds: float = Field(default=300.0, ge=0)

    @field_validator("base_url", "esms_url", "zalo_api_url", "zalo_oauth_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def tracking_url(self) -> str:
        return f"{(self.public_url or self.base_url).rstrip('/')}/tra-cuu"

    @property
    def sms_enabled(self) -> bool:
        return bool(self.esms_api_key and self.esms_secret_key and self.esms_brandname)

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_secret_key and self.zalo_template_id and self.zalo_refresh_token)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.mail_from)

    @property
    def webhook_policy(self) -> AddressPolicy:
        """The address policy of this deployment, for registration and delivery alike."""
        return AddressPolicy(parse_allowed_hosts(self.webhook_allowed_hosts))

    @property
    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"ssl": 465, "starttls": 587, "none": 25}[self.smtp_security]
