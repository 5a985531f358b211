"""`/v1/contacts`: look a contact up by email; GDPR export and erasure of one contact."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from emailseq.api.deps import ApiPorts, api_ports, privacy_ports
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import NotFound
from emailseq.logic.privacy import PrivacyPorts, erase_contact, export_contact

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


ContactId = Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")]
Privacy = Annotated[PrivacyPorts, Depends(privacy_ports)]


class ContactExport(BaseModel):
    """Everything held on the contact: profile (PII, attributes, consent), enrollments, archived sends."""

    contact: dict[str, Any]
    enrollments: list[dict[str, Any]]
    sends: list[str]


@router.get("/{contact_id}/export", response_model=ContactExport)
def export(contact_id: ContactId, caller: Caller, ports: Privacy) -> ContactExport:
    return ContactExport.model_validate(export_contact(ports, caller.tenant_id, contact_id))


@router.delete("/{contact_id}", status_code=204, response_class=Response)
def erase(contact_id: ContactId, caller: Editor, ports: Privacy) -> Response:
    """Erase: PII and archived mail deleted, running sequences exited (reason `erased`), an audit entry kept."""
    erase_contact(ports, caller.tenant_id, contact_id, actor=caller.subject)
    return Response(status_code=204)
