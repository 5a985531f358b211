"""One settings model per function, read from the environment once at cold start (a bad value fails fast).

serverless.yml sets these variables; nothing else in the package reads os.environ.
"""

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
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


class ApiSettings(FunctionSettings):
    bus_name: str = Field(min_length=1)
    send_queue_url: str | None = None  # for manual enrollment (the sequences API)


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
    # ses (default) or smtp: the SMTP server and DKIM key come from the Secrets Manager secret `smtp_secret_id`
    # (its JSON shape: docs/providers.md), read at cold start.
    mail_provider: Literal["ses", "smtp"] = "ses"
    smtp_secret_id: str | None = None
    # The account's send rate when SES cannot tell it (GetAccount failed), or the relay's rate with SMTP.
    fallback_max_send_rate: float = Field(default=14.0, gt=0)
    send_quota_cache_seconds: float = Field(default=300.0, ge=0)

    @model_validator(mode="after")
    def _smtp_needs_its_secret(self) -> Self:
        if self.mail_provider == "smtp" and not self.smtp_secret_id:
            raise ValueError("EMAILSEQ_SMTP_SECRET_ID is required when EMAILSEQ_MAIL_PROVIDER is smtp")
        return self


class TrackingSettings(FunctionSettings):
    signing_secret_id: str = Field(min_length=1)
