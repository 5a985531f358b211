"""One settings model per function, read from the environment once at cold start (a bad value fails fast).

serverless.yml sets these variables; nothing else in the package reads os.environ.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMAILSEQ_", frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    # Local time travel only (`emailseq clock`); never set in AWS, where the clock is the real one.
    clock_offset_seconds: float = 0.0


class AuthorizerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMAILSEQ_", frozen=True, extra="ignore")

    token_secret_id: str = Field(min_length=1)


class ApiSettings(_Settings):
    bus_name: str = Field(min_length=1)


class EnrollerSettings(_Settings):
    bus_name: str = Field(min_length=1)
    send_queue_url: str = Field(min_length=1)


class SchedulerSettings(_Settings):
    send_queue_url: str = Field(min_length=1)
    page_size: int = Field(default=500, ge=1, le=5000)
    max_pages: int = Field(default=20, ge=1)


class SenderSettings(_Settings):
    bus_name: str = Field(min_length=1)
    idempotency_table_name: str = Field(min_length=1)
    from_address: str = Field(min_length=3)
    ses_configuration_set: str | None = None
