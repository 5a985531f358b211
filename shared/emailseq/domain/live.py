"""The live feed: which domain events a tenant's dashboards see, and the message each one becomes.

Pure: the broadcaster (logic.live) hands it EventBridge's detail-type and detail and pushes what comes back.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict

# EventBridge detail-type (the domain event's class name) → the feed's event name, as webhooks name them.
FEED_TYPES = {
    "ContactEnrolled": "contact.enrolled",
    "EmailSent": "email.sent",
    "EmailOpened": "email.opened",
    "LinkClicked": "email.clicked",
    "EnrollmentConverted": "sequence.converted",
}
# The moment each event happened, by detail-type.
_WHEN = {
    "ContactEnrolled": "enrolled_at",
    "EmailSent": "sent_at",
    "EmailOpened": "opened_at",
    "LinkClicked": "clicked_at",
    "EnrollmentConverted": "converted_at",
}
# Ids only: a dashboard looks the contact up itself (no address travels over the socket).
_KEPT = ("contact_id", "sequence_id", "step_id", "goal_event", "url")


class FeedMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    tenant_id: str
    at: str
    data: dict[str, Any]

    def wire(self) -> bytes:
        """What a connected client receives: the message without the tenant (it only ever sees its own)."""
        return self.model_dump_json(exclude={"tenant_id"}).encode()


def feed_message(detail_type: str, detail: dict[str, Any]) -> FeedMessage | None:
    """The feed message for a domain event, or None for events the feed does not show."""
    name = FEED_TYPES.get(detail_type)
    tenant = detail.get("tenant_id")
    if name is None or not isinstance(tenant, str) or not tenant:
        return None
    if detail.get("machine"):  # a privacy proxy or scanner fetched the pixel: analytics counts it, people don't
        return None
    data = {key: detail[key] for key in _KEPT if key in detail}
    return FeedMessage(type=name, tenant_id=tenant, at=str(detail.get(_WHEN[detail_type], "")), data=data)
