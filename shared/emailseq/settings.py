"""One settings model per function, read from the environment once at cold start (a bad value fails fast).

serverless.yml sets these variables; nothing else in the package reads os.environ.
"""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMAILSEQ_", frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    # Local time travel only (`emailseq clock`); never set in AWS, where the clock is the real one.
    clock_offset_seconds: float = 0.0
    clock_offset_parameter: str | None = None

    @field_validator("clock_offset_parameter")
    @classmethod
    def _off_is_none(cls, value: str | None) -> str | None:
        return None if value in (None, "", "off") else value


class AuthorizerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMAILSEQ_", frozen=True, extra="ignore")

    token_secret_id: str = Field(min_length=1)
    table_name: str = Field(min_length=1)  # API keys (their hashes) live in the data table


class ApiSettings(FunctionSettings):
    bus_name: str = Field(min_length=1)
    send_queue_url: str | None = None  # for manual enrollment (the sequences API)
    # Events accepted per second per tenant (POST /v1/events answers 429 beyond it); a tenant may set a lower one.
    events_per_second: int = Field(default=100, ge=1)


class EnrollerSettings(FunctionSettings):
    bus_name: str = Field(min_length=1)
    send_queue_url: str = Field(min_length=1)


class SchedulerSettings(FunctionSettings):
    send_queue_url: str = Field(min_length=1)
    page_size: int = Field(default=500, ge=1, le=5000)
    max_pages: int = Field(default=20, ge=1)


class SenderSettings(FunctionSettings):
    bus_name: str = Field(min_length=1)
    idempotency_table_name: str = Field(min_length=1)
    from_address: str = Field(min_length=3)
    ses_configuration_set: str | None = None
    signing_secret_id: str = Field(min_length=1)
    # Where tracking links and the unsubscribe endpoint are served (the HTTP API, or a CloudFront domain).
    public_url: str = Field(min_length=1)
    unsubscribe_mailto: str = "unsubscribe@example.com"
    archive_bucket: str | None = None  # keep each sent message (raw MIME) in S3 when set


class TrackingSettings(FunctionSettings):
    signing_secret_id: str = Field(min_length=1)
