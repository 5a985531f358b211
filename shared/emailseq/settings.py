"""One settings model per function, read from the environment once at cold start (a bad value fails fast).

serverless.yml sets these variables; nothing else in the package reads os.environ.
"""

from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from emailseq.domain.deliverability import parse_address


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMAILSEQ_", frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    # The audit log's key seed (Secrets Manager); set on the functions that record changes.
    audit_secret_id: str | None = None
    # Local time travel only (`emailseq clock`); never set in AWS, where the clock is the real one.
    clock_offset_seconds: float = 0.0
    clock_offset_parameter: str | None = None
    # The KMS key that wraps each tenant's data key (contacts' addresses and names are sealed under it), and the
    # secret a post-quantum (hybrid HPKE) wrapping key pair is derived from, for tenants that require one.
    data_key_id: str = Field(min_length=1)
    pq_wrap_secret_id: str | None = None

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
    archive_bucket: str | None = None  # the contacts API lists (export) and deletes (erase) a contact's messages
    # The deliverability check in preview: SpamAssassin's spamd as host:port; empty or "off" turns it off.
    spamd_address: str | None = None
    spamd_timeout_seconds: float = Field(default=10.0, gt=0, le=25)
    # The checked message is the one the sender would build: its default From, tracking base and mailto.
    from_address: str = "sequences@example.com"
    public_url: str = "https://example.com"
    unsubscribe_mailto: str = "unsubscribe@example.com"

    @field_validator("spamd_address")
    @classmethod
    def _spamd_off_is_none(cls, value: str | None) -> str | None:
        if value is None or value.strip() in ("", "off"):
            return None
        parse_address(value)  # a malformed address fails at cold start, not at the first preview
        return value.strip()

    # Events accepted per second per tenant (POST /v1/events answers 429 beyond it); a tenant may set a lower one.
    events_per_second: int = Field(default=100, ge=1)


class EnrollerSettings(FunctionSettings):
    bus_name: str = Field(min_length=1)
    send_queue_url: str = Field(min_length=1)


class SchedulerSettings(FunctionSettings):
    send_queue_url: str = Field(min_length=1)
    page_size: int = Field(default=500, ge=1, le=5000)
    max_pages: int = Field(default=20, ge=1)


class MailSettings(FunctionSettings):
    """What every function that sends mail needs: the provider, the default sender, once-only records, links."""

    idempotency_table_name: str = Field(min_length=1)
    from_address: str = Field(min_length=3)
    ses_configuration_set: str | None = None
    signing_secret_id: str = Field(min_length=1)
    # Where tracking links and the unsubscribe endpoint are served (the HTTP API, or a CloudFront domain).
    public_url: str = Field(min_length=1)
    archive_bucket: str | None = None  # keep each sent message (raw MIME) in S3 when set
    # ses (default) or smtp: the SMTP server and DKIM key come from the Secrets Manager secret `smtp_secret_id`
    # (its JSON shape: docs/providers.md), read at cold start.
    mail_provider: Literal["ses", "smtp"] = "ses"
    smtp_secret_id: str | None = None

    @model_validator(mode="after")
    def _smtp_needs_its_secret(self) -> Self:
        if self.mail_provider == "smtp" and not self.smtp_secret_id:
            raise ValueError("EMAILSEQ_SMTP_SECRET_ID is required when EMAILSEQ_MAIL_PROVIDER is smtp")
        return self


class SenderSettings(MailSettings):
    bus_name: str = Field(min_length=1)
    unsubscribe_mailto: str = "unsubscribe@example.com"
    # "allow" only where webhook receivers are private by nature (the local stack); AWS refuses them (SSRF).
    webhook_private_targets: Literal["allow", "refuse"] = "refuse"
    # The account's send rate when SES cannot tell it (GetAccount failed), or the relay's rate with SMTP.
    fallback_max_send_rate: float = Field(default=14.0, gt=0)
    send_quota_cache_seconds: float = Field(default=300.0, ge=0)
    # The first wait after the provider turned a send away for a passing reason; it doubles on each attempt.
    provider_retry_base_seconds: int = Field(default=30, ge=1, le=900)
    models_bucket: str | None = None  # the AI layer (send times, subject bandits, scores) is on when set


class TrackingSettings(FunctionSettings):
    signing_secret_id: str = Field(min_length=1)
    bus_name: str | None = None  # first opens, first clicks and unsubscribes go on the bus (analytics, webhooks)
    models_bucket: str | None = None  # opens and clicks feed engagement histories and bandit arms when set


class TrainerSettings(FunctionSettings):
    """The scheduled engagement-model trainer: reads histories, keeps snapshots and models in the bucket."""

    models_bucket: str = Field(min_length=1)
    churn_horizon_days: int = Field(default=30, ge=1, le=365)


class OptInSettings(MailSettings):
    """The double opt-in worker: its confirmation emails go out as the sender's do (same provider and sender)."""


class ContactsWorkSettings(FunctionSettings):
    """The importer and the audiences/imports APIs: the data bucket (uploads, error reports), the work queue."""

    data_bucket: str = Field(min_length=1)
    work_queue_url: str = Field(min_length=1)
    import_chunk_rows: int = Field(default=1000, ge=10, le=20000)
    opt_in_queue_url: str | None = None  # double opt-in lists: where confirmation emails are ordered


class QuantumJobSettings(FunctionSettings):
    """The quantum jobs API: job records, results (the data bucket), the quantum queue it orders runs on."""

    data_bucket: str = Field(min_length=1)
    quantum_queue_url: str = Field(min_length=1)


class QuantumWorkerSettings(FunctionSettings):
    """The quantum worker: reads the tenant's sequences, writes job records and results. QAOA angle tuning is a
    (gamma, beta) grid then COBYLA steps on the exact state vector; remote devices are polled up to `poll_seconds`
    (bounded by the function's timeout)."""

    data_bucket: str = Field(min_length=1)
    tuning_grid: tuple[int, int] = (8, 4)
    tuning_iterations: int = Field(default=20, ge=0, le=200)
    poll_seconds: float = Field(default=600.0, gt=0, le=840)


class AnalyticsSettings(FunctionSettings):
    """The analytics consumer (domain events → counters) and the analytics API (daily series, exports)."""

    # A conversion is credited to the last email clicked at most this many days before it (Customer.io-like).
    attribution_window_days: float = Field(default=7.0, gt=0, le=90)
    data_bucket: str | None = None  # exports are written here (the API only)


class WebhookSettings(FunctionSettings):
    """The webhook fan-out (domain events → one order per subscription), its delivery worker and the API."""

    delivery_queue_url: str | None = None  # where the fan-out puts delivery orders
    # "allow" only where receivers are private by nature (the local stack); AWS refuses them (SSRF).
    webhook_private_targets: Literal["allow", "refuse"] = "refuse"
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=25)


class LiveSettings(FunctionSettings):
    """The live feed's WebSocket functions ($connect, $disconnect, the broadcaster)."""

    token_secret_id: str | None = None  # $connect verifies the tenant token with the API's signing keys
    # The WebSocket API's @connections endpoint, https://{api}.execute-api.{region}.amazonaws.com/{stage}.
    live_management_url: str | None = None


class AiSettings(FunctionSettings):
    """AI drafting (docs/ai.md): the OpenAI-compatible server. In AWS the key is in the Secrets Manager secret
    `openai_secret_id`; on a developer's machine the standard OPENAI_API_KEY / OPENAI_BASE_URL work too."""

    openai_secret_id: str | None = None
    openai_model: str = Field(default="gpt-4.1-mini", min_length=1)  # the secret's `model` wins when it has one
    # API Gateway gives an HTTP API integration 30 s at most: the model must answer inside that.
    openai_timeout_seconds: float = Field(default=25.0, gt=0, le=29)
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL"))


class RepliesSettings(FunctionSettings):
    """The replies function (inbound mail SES receiving stored in S3 under `inbound/`): reads, classifies, and
    suppresses on an unsubscribe request. The model ships in its own layer; nothing to configure but the table."""


class ContentSettings(FunctionSettings):
    """The content API (blocks and their embeddings) and the recommender (contacts' content profiles from domain
    events). Both carry the replyModel layer (MiniLM); nothing to configure but the table."""
