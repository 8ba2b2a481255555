"""fieldops settings (pydantic-settings, env prefix ``FIELDOPS_``).

Every setting can be given as an environment variable ``FIELDOPS_<NAME>`` or in a ``.env``
file. ``FIELDOPS_PROFILE=demo`` swaps the day-scale durations (approval reminder 24 h, expiry
72 h) for second-scale ones so a demo run exercises every branch in minutes.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 - refused outside dev/demo/test

#: Durations used by ``FIELDOPS_PROFILE=demo`` unless set explicitly.
DEMO_DURATIONS: dict[str, int] = {
    "approval_reminder_seconds": 6,
    "approval_expiry_seconds": 20,
}


class Settings(BaseSettings):
    """Runtime configuration for the CLI, API, worker and demo.

    Durations are in seconds, distances in km, speeds in km/h; ``database_url`` unset means
    "start the embedded PostgreSQL under ``state_dir``" (dev, demo and tests only).
    """

    model_config = SettingsConfigDict(env_prefix="FIELDOPS_", env_file=".env", extra="ignore")

    profile: Literal["dev", "demo", "test", "production"] = "dev"
    state_dir: Path = Path(".fieldops")

    database_url: str | None = None
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str = "http://localhost:8000"
    secret_key: str = DEV_SECRET_KEY
    timezone: str = "America/Chicago"

    approval_reminder_seconds: int = Field(default=24 * 3600, gt=0)
    approval_expiry_seconds: int = Field(default=72 * 3600, gt=0)
    #: how long a lot walk waits for the walker's findings before it closes as not walked
    lot_walk_findings_wait_seconds: int = Field(default=36 * 3600, gt=0)

    worker_max_cached_workflows: int = Field(default=1000, ge=0)

    labor_cost_per_hour: Decimal = Field(default=Decimal("95.00"), ge=0)

    road_factor: float = Field(default=1.3, ge=1.0)
    average_speed_kmh: float = Field(default=45.0, gt=0)
    service_window_minutes: int = Field(default=120, gt=0)
    assignment_time_limit_seconds: float = Field(default=5.0, gt=0)

    sms_provider: Literal["outbox", "twilio"] = "outbox"
    email_provider: Literal["outbox", "sendgrid"] = "outbox"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    sendgrid_api_key: str | None = None
    twilio_api_base_url: str | None = None
    sendgrid_api_host: str | None = None
    email_from: str = "dispatch@fieldops.example"

    @model_validator(mode="before")
    @classmethod
    def _demo_durations(cls, data: dict) -> dict:
        """Under the demo profile, use second-scale durations unless given explicitly."""
        if isinstance(data, dict) and str(data.get("profile", "")).lower() == "demo":
            for key, value in DEMO_DURATIONS.items():
                data.setdefault(key, value)
        return data

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        """Production must set its own ``FIELDOPS_SECRET_KEY`` and ``FIELDOPS_DATABASE_URL``."""
        if self.profile == "production":
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("FIELDOPS_SECRET_KEY must be set in production")
            if not self.database_url:
                raise ValueError("FIELDOPS_DATABASE_URL must be set in production")
        return self

    @property
    def pg_dir(self) -> Path:
        """Data directory of the embedded PostgreSQL."""
        return self.state_dir / "pg"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
