"""Outgoing webhooks: subscriptions to event types, the delivery order, and the signature receivers verify.

The signature is HMAC-SHA256 with the subscription's secret over `<timestamp>.<body>`, sent as
`Emailseq-Signature: t=<unix seconds>,v1=<hex>`; a receiver refuses a timestamp older than REPLAY_WINDOW_SECONDS
(docs/webhooks.md has the snippet). Pure: the clock and the HTTP call are the caller's.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from emailseq.domain.analytics import EVENT_NAMES

EVENT_TYPES = tuple(sorted(EVENT_NAMES.values()))
ALL_EVENTS = "*"
REPLAY_WINDOW_SECONDS = 300
SIGNATURE_HEADER = "Emailseq-Signature"
MAX_SUBSCRIPTIONS = 25  # per tenant: every domain event is matched against all of them


class TargetRefused(Exception):
    """The URL resolves to a non-public address (SSRF guard): retrying cannot change that."""


class TargetUnreachable(Exception):
    """No answer (connection refused, timeout, TLS failure): worth retrying."""


class DeliveryFailed(Exception):
    """The receiver did not take the event (no answer or not 2xx): the order is retried with backoff."""


@dataclass(frozen=True)
class Subscription:
    tenant_id: str
    subscription_id: str
    url: str
    events: tuple[str, ...]
    secret: str | None  # sealed at rest; opened only when one subscription is read (None in a tenant's listing)
    created_at: datetime
    description: str = ""
    enabled: bool = True

    def wants(self, event_type: str) -> bool:
        return self.enabled and (event_type in self.events or ALL_EVENTS in self.events)


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST of one event to one subscription, as the delivery log shows it."""

    subscription_id: str
    event_id: str
    event_type: str
    attempt: int
    at: datetime
    outcome: str  # delivered | failed | refused
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class DeliverWebhook(BaseModel):
    """Order to POST one event to one subscription (what travels on the webhook delivery queue)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    subscription_id: str
    event_id: Annotated[str, Field(min_length=1, max_length=128)]
    event_type: str
    payload: dict[str, Any]


def payload(event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON body receivers get: the event id (stable across retries: deduplicate on it), type, time, data."""
    return {"id": event_id, "type": event_type, "created_at": occurred_at.isoformat(), "data": data}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = REPLAY_WINDOW_SECONDS) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance` seconds of `now`."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def headers(secret: str, order: DeliverWebhook, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "emailseq-webhooks/1",
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "Emailseq-Event-Id": order.event_id,
        "Emailseq-Event-Type": order.event_type,
    }
