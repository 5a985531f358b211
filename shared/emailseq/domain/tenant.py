"""Tenant-wide settings the engine obeys across all sequences."""

from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from emailseq.domain.messages import EmailAddress


class TenantSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # At most this many emails per contact per day (in the contact's timezone) across every sequence; a capped
    # email waits for the next day instead of being dropped. None: no cap.
    max_emails_per_day: Annotated[int | None, Field(ge=1, le=100)] = None
    # At most this many emails per second handed to the provider for the whole tenant (never above the SES
    # account's own rate); a send over it waits a second or two and is retried. None: the account's rate.
    max_sends_per_second: Annotated[int | None, Field(ge=1, le=1000)] = None
    # The tenant's sender (in AWS the address must be an SES-verified identity); the deployment's default if unset.
    # One line of text: no control character (CR, LF, and the others a parser may take for a line end).
    from_name: Annotated[str | None, Field(max_length=100, pattern="^[^\x00-\x1f\x7f\x85\u2028\u2029]*$")] = None
    from_address: EmailAddress | None = None
    reply_to: EmailAddress | None = None
    # Webhook steps may call private, loopback and link-local addresses (an internal service of the tenant's own,
    # reached from its own deployment). Off: in AWS such targets are refused, as server-side request forgery.
    allow_private_webhook_targets: bool = False
    # How the tenant's data keys are wrapped: by KMS, or also with hybrid post-quantum HPKE (new key versions only;
    # records never change, see docs/privacy.md).
    key_wrapping: Literal["kms", "hpke-mlkem768-x25519"] = "kms"
    # Events accepted per second for this tenant, if lower than the deployment's limit (which always applies).
    max_events_per_second: Annotated[int | None, Field(ge=1, le=10_000)] = None


def local_day(zone: ZoneInfo, now: datetime) -> str:
    return now.astimezone(zone).date().isoformat()


def next_day_start(zone: ZoneInfo, now: datetime) -> datetime:
    """Midnight after `now` in `zone` (DST-safe: built from the local date, not by adding 24 hours)."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)
