"""`/v1/segments`: dynamic segments. Defining one backfills its members over the tenant's contacts (queued);
after that a contact's memberships follow its data as it changes."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from emailseq.api.deps import audience_ports_for_api
from emailseq.api.pages import Cursor, Limit, MembersPage, members_out
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import NotFound
from emailseq.domain.ports import StoredSegment
from emailseq.domain.segments import SegmentDefinition
from emailseq.logic.segments import AudiencePorts, define_segment

router = APIRouter(prefix="/v1/segments", tags=["audiences"])
Ports = Annotated[AudiencePorts, Depends(audience_ports_for_api)]
SegmentId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]


class SegmentOut(BaseModel):
    id: str
    created_at: datetime
    definition: SegmentDefinition


class SegmentsPage(BaseModel):
    items: list[SegmentOut]
    next_cursor: str | None


def _out(stored: StoredSegment) -> SegmentOut:
    return SegmentOut(id=stored.segment_id, created_at=stored.created_at, definition=stored.definition)


def _existing(ports: AudiencePorts, tenant_id: str, segment_id: str) -> StoredSegment:
    found = ports.audiences.get_segment(tenant_id, segment_id)
    if found is None:
        raise NotFound("segment", segment_id)
    return found


@router.put("/{segment_id}", response_model=SegmentOut)
def put_segment(segment_id: SegmentId, body: SegmentDefinition, caller: Editor, ports: Ports) -> SegmentOut:
    return _out(define_segment(ports, caller.tenant_id, segment_id, body))


@router.get("", response_model=SegmentsPage)
def get_segments(caller: Caller, ports: Ports, cursor: Cursor = None, limit: Limit = 50) -> SegmentsPage:
    page = ports.audiences.segments(caller.tenant_id, cursor, limit)
    return SegmentsPage(items=[_out(s) for s in page.items], next_cursor=page.cursor)


@router.get("/{segment_id}", response_model=SegmentOut)
def get_segment(segment_id: SegmentId, caller: Caller, ports: Ports) -> SegmentOut:
    return _out(_existing(ports, caller.tenant_id, segment_id))


@router.delete("/{segment_id}", status_code=204)
def delete_segment(segment_id: SegmentId, caller: Editor, ports: Ports) -> None:
    _existing(ports, caller.tenant_id, segment_id)
    ports.audiences.delete_segment(caller.tenant_id, segment_id)


@router.get("/{segment_id}/members", response_model=MembersPage)
def get_members(
    segment_id: SegmentId, caller: Caller, ports: Ports, cursor: Cursor = None, limit: Limit = 100
) -> MembersPage:
    """Contacts matching now (a lapsed engagement match is left out, though its item waits for the next change)."""
    _existing(ports, caller.tenant_id, segment_id)
    page = ports.audiences.members(caller.tenant_id, "segment", segment_id, cursor, limit)
    now = ports.clock.now()
    current = [entry for entry in page.items if entry.until is None or entry.until > now]
    return MembersPage(items=members_out(ports.contacts, caller.tenant_id, current), next_cursor=page.cursor)
