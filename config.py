"""fieldops settings (pydantic-settings, env prefix ``FIELDOPS_``).

Every setting can be given as an environment variable ``FIELDOPS_<NAME>`` or in a ``.env``
file. ``FIELDOPS_PROFILE=demo`` swaps the day-scale durations (approval reminder 24 h, expiry
72 h) for second-scale ones so a demo run exercises every branch in minutes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 - refused outside dev/demo/test

#: Durations used by ``FIELDOPS_PROFILE=demo`` unless set explicitly.
DEMO_DURATIONS: dict[str, int | str] = {
    "approval_reminder_seconds": 6,
    "approval_expiry_seconds": 20,
    "dunning_day_seconds": 1,
    # post-service surveys go out seconds after completion, remind after 20 s and close after
    # 5 minutes (the demo answers them once the day's repairs have ended)
    "survey_delay_seconds": 5,
    "survey_reminder_seconds": 20,
    "survey_expiry_seconds": 300,
    "survey_hold_recheck_seconds": 5,
    # the demo answers surveys by SMS digit through the signed inbound webhook (devstack/survey_demo.py);
    # SMS still go to the outbox, this token only signs and checks the demo's own inbound requests
    "twilio_auth_token": "demo-inbound-webhook-token",
    # a demo day (run again on the same state) texts each demo customer more than a real one
    "sms_max_per_phone_per_day": 100,
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
    travel_provider: Literal["haversine", "osrm"] = "haversine"
    osrm_url: str | None = None
    dispatch_time_limit_seconds: float = Field(default=8.0, gt=0)
    dispatch_schedule_time: str = Field(default="05:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    #: insertion of approved repairs into the day's routes (issue 7): how long the optimizer
    #: worker collects concurrent requests into one batch, the improvement time of a batch, and
    #: how many insertion requests one optimizer worker holds at once (they wait for the batch)
    insertion_batch_window_ms: int = Field(default=400, ge=0, le=5000)
    insertion_improve_seconds: float = Field(default=0.2, ge=0, le=30)
    optimizer_max_concurrent_activities: int = Field(default=64, ge=1, le=1000)
    #: live tracking: a position this close to a site marks arrival; an ETA this far past the
    #: window's end is late (the rest of the day is re-planned); positions older than this are
    #: not used for an ETA (the home base is)
    geofence_radius_meters: float = Field(default=150.0, gt=0, le=5000)
    late_margin_minutes: int = Field(default=15, ge=0, le=600)
    location_max_age_minutes: int = Field(default=30, gt=0, le=1440)

    sms_provider: Literal["outbox", "twilio"] = "outbox"
    email_provider: Literal["outbox", "sendgrid"] = "outbox"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    sendgrid_api_key: str | None = None
    twilio_api_base_url: str | None = None
    sendgrid_api_host: str | None = None
    email_from: str = "dispatch@fieldops.example"
    sendgrid_webhook_public_key: str | None = None
    webhook_max_age_seconds: int = Field(default=300, gt=0)
    sms_max_per_phone_per_day: int = Field(default=10, ge=1)
    sms_max_per_day: int = Field(default=2000, ge=1)

    #: billing (issue 8): sales tax as a fraction of the subtotal (Texas state + local: 8.25 %),
    #: the scheduled invoicing cycle, what the invoice PDF shows as the issuer, and the dunning
    #: cadence (days from the due date, and the channel of each step; ``domain/dunning.py``)
    tax_rate: Decimal = Field(default=Decimal("0.0825"), ge=0, le=1)
    billing_cycle: Literal["daily", "weekly", "monthly"] = "monthly"
    #: a dunning "day" in seconds: a calendar day, except under the demo profile (1 s)
    dunning_day_seconds: int = Field(default=24 * 3600, gt=0)
    company_name: str = "fieldops Field Services"
    company_address: str = "100 Congress Ave, Austin, TX 78701"
    dunning_offsets_days: list[int] = [-3, 0, 3, 7, 14, 30]
    dunning_channels: list[Literal["email", "sms", "office_task", "credit_hold"]] = [
        "email",
        "email",
        "sms",
        "sms",
        "office_task",
        "credit_hold",
    ]

    #: post-service survey (issue 9): sent this long after completion, reminded once, closed
    #: unanswered at the expiry (both counted from the send); a survey held by an open return
    #: visit or invoice dispute re-checks at the recheck interval
    survey_delay_seconds: int = Field(default=2 * 86400, ge=0)
    survey_reminder_seconds: int = Field(default=2 * 86400, gt=0)
    survey_expiry_seconds: int = Field(default=7 * 86400, gt=0)
    survey_hold_recheck_seconds: int = Field(default=12 * 3600, gt=0)
    #: LLM helpers (seed 004 Phase 2; ``activities/llm_service.py``): any OpenAI-compatible
    #: chat-completions server. Without ``llm_api_key`` every answer comes from the deterministic
    #: fallback (templates, lexicon sentiment). Prices are USD per million tokens, for the
    #: per-call cost in ``llm_calls``; answers are cached in ``llm_cache`` for the TTL.
    llm_api_key: SecretStr | None = None
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(default=20.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_cache_ttl_seconds: int = Field(default=24 * 3600, ge=0)
    llm_input_usd_per_million_tokens: Decimal = Field(default=Decimal("0.15"), ge=0)
    llm_output_usd_per_million_tokens: Decimal = Field(default=Decimal("0.60"), ge=0)

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

    @model_validator(mode="after")
    def _dunning_cadence(self) -> Settings:
        """The dunning cadence must be usable: one channel per offset, offsets increasing."""
        from domain.dunning import DunningError, cadence

        try:
            cadence(date(2026, 1, 1), self.dunning_offsets_days, self.dunning_channels)
        except DunningError as err:
            raise ValueError(f"FIELDOPS_DUNNING_OFFSETS_DAYS / _CHANNELS: {err}") from None
        return self

    @property
    def pg_dir(self) -> Path:
        """Data directory of the embedded PostgreSQL."""
        return self.state_dir / "pg"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
