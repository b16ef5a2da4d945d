"""Settings from the environment (prefix ``NGHEDAN_``) or a ``.env`` file."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NGHEDAN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./nghedan.db"
    workflows_dir: Path | None = Field(default=None, description="Extra or replacement workflow YAML files")
    office_close: time = time(17, 0)
    environment: str = Field(default="development", pattern="^(development|test|production)$")
    # "Làm dân tin": gifts each commune should give a month; "Mỗi tuần một điểm đến":
    # households each village should be visited a week (engine.support.targets).
    support_gift_target: int = Field(default=2, ge=0, le=1000)
    visit_min_households: int = Field(default=2, ge=0, le=1000)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
