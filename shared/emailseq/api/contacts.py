"""`/v1/contacts`: look a contact up by email."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from emailseq.api.deps import ApiPorts, api_ports
from emailseq.api.principal import Caller
from emailseq.domain.errors import NotFound

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


class ContactOut(BaseModel):
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    timezone: str | None
    attributes: dict[str, Any]


@router.get("", response_model=ContactOut)
def find_contact(
    email: Annotated[str, Query(min_length=3, max_length=254)],
    caller: Caller,
    ports: Annotated[ApiPorts, Depends(api_ports)],
) -> ContactOut:
    contact = ports.contacts.find_by_email(caller.tenant_id, email.strip().lower())
    if contact is None:
        raise NotFound("contact", email)
    return ContactOut(
        id=contact.contact_id,
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        timezone=contact.timezone,
        attributes=contact.attributes,
    )
