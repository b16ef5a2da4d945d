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
    # A PostgreSQL streaming replica that reports, public statistics and exports may
    # read from (docs/deploy.md); unset, everything reads the primary.
    read_database_url: str | None = None
    workflows_dir: Path | None = Field(default=None, description="Extra or replacement workflow YAML files")
    office_close: time = time(17, 0)
    environment: str = Field(default="development", pattern="^(development|test|production)$")
    # Attached files (engine.files): a folder by default, or an S3-compatible bucket.
    files_backend: str = Field(default="filesystem", pattern="^(filesystem|s3)$")
    files_dir: Path = Path("./nghedan-files")
    files_s3_bucket: str = ""
    files_s3_endpoint: str | None = None
    files_s3_region: str = "us-east-1"
    files_s3_prefix: str = "blobs/"
    files_max_mb: int = Field(default=10, ge=1, le=100)
    files_per_step: int = Field(default=10, ge=1, le=50)
    files_per_case: int = Field(default=50, ge=1, le=1000)
    files_case_total_mb: int = Field(default=100, ge=1, le=10_000)
    files_max_megapixels: int = Field(default=40, ge=1, le=80)
    # "Làm dân tin": gifts each commune should give a month; "Mỗi tuần một điểm đến":
    # households each village should be visited a week (engine.support.targets).
    support_gift_target: int = Field(default=2, ge=0, le=1000)
    visit_min_households: int = Field(default=2, ge=0, le=1000)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
