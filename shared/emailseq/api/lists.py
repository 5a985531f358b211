"""`/v1/lists`: static lists (CRUD) and their members, added and removed by email or contact id."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from emailseq.api.deps import audience_ports_for_api
from emailseq.api.pages import Cursor, Limit, MembersPage, members_out
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import EmailAddress
from emailseq.domain.ports import ContactList
from emailseq.logic.segments import AudiencePorts, change_list_members, create_list, delete_list

router = APIRouter(prefix="/v1/lists", tags=["audiences"])
Ports = Annotated[AudiencePorts, Depends(audience_ports_for_api)]
ListId = Annotated[str, Path(pattern=r"^[a-z0-9]{1,64}$")]


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    # New members get a confirmation email and join when they click it (consent recorded with time and origin).
    double_opt_in: bool = False


class ListOut(BaseModel):
    id: str
    name: str
    double_opt_in: bool
    created_at: datetime


class ListsPage(BaseModel):
    items: list[ListOut]
    next_cursor: str | None


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    emails: Annotated[list[EmailAddress], Field(max_length=100)] = Field(default_factory=list)
    contact_ids: Annotated[list[Annotated[str, Field(pattern=r"^[a-f0-9]{32}$")]], Field(max_length=100)] = Field(
        default_factory=list
    )


class MembersChanged(BaseModel):
    changed: list[str]  # contact ids
    not_found: list[str]  # emails or ids that named no contact
    pending: list[str] = []  # contact ids asked to confirm first (double opt-in): they join when they do


def _out(found: ContactList) -> ListOut:
    return ListOut(id=found.list_id, name=found.name, double_opt_in=found.double_opt_in, created_at=found.created_at)


def _existing(ports: AudiencePorts, tenant_id: str, list_id: str) -> ContactList:
    found = ports.audiences.get_list(tenant_id, list_id)
    if found is None:
        raise NotFound("list", list_id)
    return found


@router.post("", status_code=201, response_model=ListOut)
def post_list(body: ListIn, caller: Editor, ports: Ports) -> ListOut:
    return _out(create_list(ports, caller.tenant_id, body.name, body.double_opt_in))


@router.get("", response_model=ListsPage)
def get_lists(caller: Caller, ports: Ports, cursor: Cursor = None, limit: Limit = 50) -> ListsPage:
    page = ports.audiences.lists(caller.tenant_id, cursor, limit)
    return ListsPage(items=[_out(found) for found in page.items], next_cursor=page.cursor)


@router.get("/{list_id}", response_model=ListOut)
def get_list(list_id: ListId, caller: Caller, ports: Ports) -> ListOut:
    return _out(_existing(ports, caller.tenant_id, list_id))


@router.put("/{list_id}", response_model=ListOut)
def put_list(list_id: ListId, body: ListIn, caller: Editor, ports: Ports) -> ListOut:
    before = _existing(ports, caller.tenant_id, list_id)
    after = ContactList(list_id, body.name, body.double_opt_in, before.created_at)
    ports.audiences.put_list(caller.tenant_id, after)
    return _out(after)


@router.delete("/{list_id}", status_code=204)
def remove_list(list_id: ListId, caller: Editor, ports: Ports) -> None:
    """Only an empty list can be deleted (409 otherwise): remove its members first."""
    delete_list(ports, caller.tenant_id, list_id)


@router.post("/{list_id}/members", response_model=MembersChanged)
def add_members(list_id: ListId, body: MembersIn, caller: Editor, ports: Ports) -> MembersChanged:
    change = change_list_members(ports, caller.tenant_id, list_id, body.emails, body.contact_ids, True)
    return MembersChanged(
        changed=[c.contact_id for c in change.changed],
        not_found=change.missing,
        pending=[c.contact_id for c in change.pending],
    )


@router.post("/{list_id}/members/remove", response_model=MembersChanged)
def remove_members(list_id: ListId, body: MembersIn, caller: Editor, ports: Ports) -> MembersChanged:
    change = change_list_members(ports, caller.tenant_id, list_id, body.emails, body.contact_ids, False)
    return MembersChanged(changed=[c.contact_id for c in change.changed], not_found=change.missing)


@router.get("/{list_id}/members", response_model=MembersPage)
def get_members(
    list_id: ListId, caller: Caller, ports: Ports, cursor: Cursor = None, limit: Limit = 100
) -> MembersPage:
    _existing(ports, caller.tenant_id, list_id)
    page = ports.audiences.members(caller.tenant_id, "list", list_id, cursor, limit)
    return MembersPage(items=members_out(ports.contacts, caller.tenant_id, page.items), next_cursor=page.cursor)
