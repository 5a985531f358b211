"""`/v1/webhooks`: subscribe URLs to event types (n8n, Zapier, your own service), and read each one's delivery log.

The secret that signs deliveries is shown when the subscription is created (and when it is rotated), never again.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from emailseq.api.deps import webhook_ports_for_api
from emailseq.api.pages import Cursor, Limit
from emailseq.api.principal import Caller, Owner
from emailseq.domain.errors import NotFound
from emailseq.domain.webhooks import EVENT_TYPES, Subscription
from emailseq.logic.webhooks import SubscriptionChange, WebhookPorts, change, opened_secret, subscribe

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Ports = Annotated[WebhookPorts, Depends(webhook_ports_for_api)]
WebhookId = Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")]
EventTypes = Annotated[
    list[Annotated[str, Field(pattern="^(" + "|".join(t.replace(".", r"\.") for t in EVENT_TYPES) + r"|\*)$")]],
    Field(min_length=1, max_length=len(EVENT_TYPES) + 1, description=f"Any of {', '.join(EVENT_TYPES)}, or '*'."),
]
Url = Annotated[AnyHttpUrl, Field(description="http(s) URL the events are POSTed to (public addresses only in AWS).")]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: EventTypes
    description: Annotated[str, Field(max_length=200)] = ""


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: EventTypes | None = None
    description: Annotated[str | None, Field(max_length=200)] = None
    enabled: bool | None = None
    rotate_secret: bool = False


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    created_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str  # signs every delivery (Emailseq-Signature); shown only now: keep it


class WebhooksPage(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    event_id: str
    event_type: str
    attempt: int
    at: datetime
    outcome: str  # delivered | failed (retried with backoff) | refused (not a public address)
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveriesPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


def _out(found: Subscription) -> WebhookOut:
    return WebhookOut(
        id=found.subscription_id,
        url=found.url,
        events=list(found.events),
        description=found.description,
        enabled=found.enabled,
        created_at=found.created_at,
    )


def _with_secret(found: Subscription) -> WebhookWithSecret:
    return WebhookWithSecret(**_out(found).model_dump(), secret=opened_secret(found))


@router.post("", status_code=201, response_model=WebhookWithSecret)
def post_webhook(body: WebhookIn, caller: Owner, ports: Ports) -> WebhookWithSecret:
    return _with_secret(subscribe(ports, caller.tenant_id, str(body.url), body.events, body.description))


@router.get("", response_model=WebhooksPage)
def list_webhooks(caller: Caller, ports: Ports) -> WebhooksPage:
    return WebhooksPage(items=[_out(found) for found in ports.store.of_tenant(caller.tenant_id)])


@router.get("/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: WebhookId, caller: Caller, ports: Ports) -> WebhookOut:
    found = ports.store.get(caller.tenant_id, webhook_id)
    if found is None:
        raise NotFound("webhook", webhook_id)
    return _out(found)


@router.patch("/{webhook_id}", response_model=WebhookOut | WebhookWithSecret)
def patch_webhook(webhook_id: WebhookId, body: WebhookPatch, caller: Owner, ports: Ports) -> WebhookOut:
    """Change the URL, the events, the description, pause (`enabled: false`) or rotate the secret (shown once)."""
    wanted = SubscriptionChange(
        url=str(body.url) if body.url else None,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
        rotate_secret=body.rotate_secret,
    )
    changed = change(ports, caller.tenant_id, webhook_id, wanted)
    return _with_secret(changed) if body.rotate_secret else _out(changed)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: WebhookId, caller: Owner, ports: Ports) -> Response:
    if not ports.store.delete(caller.tenant_id, webhook_id):
        raise NotFound("webhook", webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=DeliveriesPage)
def list_deliveries(
    webhook_id: WebhookId, caller: Caller, ports: Ports, cursor: Cursor = None, limit: Limit = 50
) -> DeliveriesPage:
    """Every attempt to deliver an event to this subscription, newest first (kept 30 days)."""
    if ports.store.get(caller.tenant_id, webhook_id) is None:
        raise NotFound("webhook", webhook_id)
    page = ports.store.deliveries(caller.tenant_id, webhook_id, cursor, limit)
    items = [
        DeliveryOut(
            event_id=a.event_id,
            event_type=a.event_type,
            attempt=a.attempt,
            at=a.at,
            outcome=a.outcome,
            status_code=a.status_code,
            error=a.error,
            duration_ms=a.duration_ms,
        )
        for a in page.items
    ]
    return DeliveriesPage(items=items, next_cursor=page.cursor)
