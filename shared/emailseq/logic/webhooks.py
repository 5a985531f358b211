"""Outgoing webhooks: each domain event fanned out to the tenant's subscriptions that want its type (one delivery
order each, so a slow or failing receiver never holds up another), then each order POSTed, signed, and logged.

A delivery that gets no 2xx raises DeliveryFailed: the worker hides the order for an exponentially growing time
and, after the queue's last attempt, SQS moves it to the dead-letter queue (`emailseq dlq list`). A receiver that
answered 2xx once is not called again for that event, even if the order comes back.
"""

import json
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from emailseq.domain.analytics import EVENT_NAMES
from emailseq.domain.errors import InvalidInput, NotFound
from emailseq.domain.messages import DomainEvent
from emailseq.domain.ports import Clock, TenantSettingsRepository, WebhookPoster, WebhookQueue, WebhookStore
from emailseq.domain.webhooks import (
    MAX_SUBSCRIPTIONS,
    DeliverWebhook,
    DeliveryAttempt,
    DeliveryFailed,
    Subscription,
    TargetRefused,
    TargetUnreachable,
    headers,
    payload,
)


@dataclass(frozen=True)
class WebhookPorts:
    store: WebhookStore
    clock: Clock
    queue: WebhookQueue | None = None  # the fan-out's
    poster: WebhookPoster | None = None  # the delivery's
    allow_private: bool = False  # the deployment's choice (the local stack's receivers run on the machine)
    settings: TenantSettingsRepository | None = None  # a tenant may allow private targets for itself


def subscribe(ports: WebhookPorts, tenant_id: str, url: str, events: list[str], description: str) -> Subscription:
    if len(ports.store.of_tenant(tenant_id)) >= MAX_SUBSCRIPTIONS:
        raise InvalidInput("url", f"a tenant may have at most {MAX_SUBSCRIPTIONS} webhook subscriptions")
    subscription = Subscription(
        tenant_id=tenant_id,
        subscription_id=uuid.uuid4().hex,
        url=url,
        events=tuple(sorted(set(events))),
        secret=_new_secret(),
        created_at=ports.clock.now(),
        description=description,
    )
    ports.store.put(subscription)
    return subscription


@dataclass(frozen=True)
class SubscriptionChange:
    """What a PATCH changes (None: left as it is)."""

    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    rotate_secret: bool = False


def change(ports: WebhookPorts, tenant_id: str, subscription_id: str, wanted: SubscriptionChange) -> Subscription:
    found = ports.store.get(tenant_id, subscription_id)
    if found is None:
        raise NotFound("webhook", subscription_id)
    updated = replace(
        found,
        url=wanted.url or found.url,
        events=found.events if wanted.events is None else tuple(sorted(set(wanted.events))),
        description=found.description if wanted.description is None else wanted.description,
        enabled=found.enabled if wanted.enabled is None else wanted.enabled,
        secret=_new_secret() if wanted.rotate_secret else found.secret,
    )
    ports.store.put(updated)
    return updated


def opened_secret(subscription: Subscription) -> str:
    """The signing secret of a subscription read on its own (a listing never carries it)."""
    if subscription.secret is None:
        raise ValueError(f"subscription {subscription.subscription_id} was read without its secret")
    return subscription.secret


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def fan_out(ports: WebhookPorts, event_id: str, event: DomainEvent, occurred_at: datetime) -> int:
    """One delivery order per subscription of the event's tenant that wants its type; how many were queued."""
    assert ports.queue is not None
    event_type = EVENT_NAMES[type(event)]
    body = payload(event_id, event_type, occurred_at, event.model_dump(mode="json"))
    orders = [
        DeliverWebhook(
            tenant_id=event.tenant_id,
            subscription_id=subscription.subscription_id,
            event_id=event_id,
            event_type=event_type,
            payload=body,
        )
        for subscription in ports.store.of_tenant(event.tenant_id)
        if subscription.wants(event_type)
    ]
    ports.queue.enqueue(orders)
    return len(orders)


def deliver(ports: WebhookPorts, order: DeliverWebhook, attempt: int) -> DeliveryAttempt | None:
    """POST the order's event, signed; None when there is nothing to do (subscription gone, or delivered)."""
    assert ports.poster is not None
    subscription = ports.store.get(order.tenant_id, order.subscription_id)
    if subscription is None or not subscription.enabled:
        return None
    if ports.store.was_delivered(order.tenant_id, order.subscription_id, order.event_id):
        return None
    body = json.dumps(order.payload, separators=(",", ":"), sort_keys=True).encode()
    started, now = time.monotonic(), ports.clock.now()
    sent_headers = headers(opened_secret(subscription), order, body, int(now.timestamp()))
    logged = DeliveryAttempt(order.subscription_id, order.event_id, order.event_type, attempt, now, "failed")
    try:
        status = ports.poster.post(subscription.url, body, sent_headers, _private_allowed(ports, order.tenant_id))
    except TargetRefused as refused:
        ports.store.log(order.tenant_id, replace(logged, outcome="refused", error=str(refused)))
        return replace(logged, outcome="refused", error=str(refused))  # retrying cannot make the address public
    except TargetUnreachable as error:
        ports.store.log(order.tenant_id, replace(logged, error=str(error)[:500], duration_ms=_since(started)))
        raise DeliveryFailed(str(error)) from error
    logged = replace(logged, status_code=status, duration_ms=_since(started))
    if not 200 <= status < 300:
        ports.store.log(order.tenant_id, logged)
        raise DeliveryFailed(f"{subscription.url} answered {status}")
    ports.store.mark_delivered(order.tenant_id, order.subscription_id, order.event_id)
    delivered = replace(logged, outcome="delivered")
    ports.store.log(order.tenant_id, delivered)
    return delivered


def _private_allowed(ports: WebhookPorts, tenant_id: str) -> bool:
    """As for the sequence's webhook step: private, loopback and link-local targets only where the deployment or
    the tenant's own settings allow them."""
    tenant_allows = ports.settings is not None and ports.settings.get(tenant_id).allow_private_webhook_targets
    return ports.allow_private or tenant_allows


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
