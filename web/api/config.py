"""Limits of the JSON API and Open311 intake, from the environment (``NGHEDAN_API_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NGHEDAN_API_", env_file=".env", extra="ignore")

    # The longest legitimate body is a case with 10,000 characters of content,
    # each up to 6 bytes when a client escapes it as \uXXXX: ~60 KB. 256 KiB leaves
    # room for every other field and refuses megabyte payloads before parsing.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # Per token (and, for failed authentication, per client address), counted in
    # the database across every web process: ``burst`` requests per window of
    # ``burst / rate_per_minute`` minutes (web.api.ratelimit).
    rate_per_minute: float = Field(default=300, gt=0)
    burst: int = Field(default=60, ge=1)
