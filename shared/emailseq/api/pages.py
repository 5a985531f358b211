"""What every listing shares: `?cursor=…&limit=…` in, `{"items": […], "next_cursor": …}` out, and members
shown with their address (read from the contacts, since member items keep ids only)."""

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from emailseq.domain.ports import ContactBatches, MemberEntry

Cursor = Annotated[str | None, Query(max_length=2048, description="Opaque: the `next_cursor` of the previous page.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500).")]


class MemberOut(BaseModel):
    contact_id: str
    email: str
    since: datetime
    until: datetime | None = None  # a segment match on recent engagement lapses then unless the contact engages


class MembersPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


def members_out(contacts: ContactBatches, tenant_id: str, entries: list[MemberEntry]) -> list[MemberOut]:
    found = {c.contact_id: c for c in contacts.get_many(tenant_id, [e.contact_id for e in entries])}
    return [
        MemberOut(contact_id=e.contact_id, email=found[e.contact_id].email, since=e.since, until=e.until)
        for e in entries
        if e.contact_id in found  # an erased contact is not listed
    ]
