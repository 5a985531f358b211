"""`POST /v1/events`: take in a contact event (202); the same id twice is processed once."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from emailseq.api.deps import ApiPorts, EventLimits, api_ports, attribute_schemas, event_limits, tenant_settings
from emailseq.api.principal import Editor
from emailseq.domain.attributes import coerce_all
from emailseq.domain.messages import ContactData, PropertyName, RecordEvent, bounded_json
from emailseq.domain.ports import AudienceStore, TenantSettingsRepository
from emailseq.domain.sequence import EventType
from emailseq.logic.events import admit_event, events_per_second, record_event

router = APIRouter(prefix="/v1/events", tags=["events"])


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str | None, Field(min_length=1, max_length=128, description="Idempotency key.")] = None
    type: EventType
    contact: ContactData
    properties: Annotated[dict[PropertyName, Any], Field(max_length=100), bounded_json] = Field(default_factory=dict)
    occurred_at: datetime | None = None


class EventAccepted(BaseModel):
    id: str
    status: Literal["accepted", "duplicate"]


@router.post("", status_code=202, response_model=EventAccepted)
def post_event(
    body: EventIn,
    caller: Editor,
    ports: Annotated[ApiPorts, Depends(api_ports)],
    schemas: Annotated[AudienceStore, Depends(attribute_schemas)],
    limits: Annotated[EventLimits, Depends(event_limits)],
    settings: Annotated[TenantSettingsRepository, Depends(tenant_settings)],
) -> EventAccepted:
    """Take in an event (202). Over the tenant's events per second: 429 with Retry-After."""
    limit = events_per_second(limits.per_second, settings.get(caller.tenant_id))
    admit_event(limits.limiter, ports.clock, caller.tenant_id, limit)
    # Declared attributes must have their type (a 422 naming the attribute); text is read as that type.
    typed = coerce_all(schemas.schema(caller.tenant_id), body.contact.attributes, prefix="contact.attributes.")
    command = RecordEvent(
        tenant_id=caller.tenant_id,
        id=body.id or uuid.uuid4().hex,
        type=body.type,
        contact=body.contact.model_copy(update={"attributes": typed}),
        properties=body.properties,
        occurred_at=body.occurred_at or ports.clock.now(),
    )
    accepted = record_event(ports.event_log, ports.bus, command)
    return EventAccepted(id=command.id, status="accepted" if accepted else "duplicate")
