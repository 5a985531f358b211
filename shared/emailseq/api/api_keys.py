"""`/v1/api-keys`: an owner issues server-to-server keys (shown once), lists them (never the secret), revokes them."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from emailseq.api.deps import ApiPorts, api_key_store, api_ports
from emailseq.api.principal import Owner
from emailseq.domain.access import Role
from emailseq.domain.api_keys import ApiKeyRecord
from emailseq.domain.ports import ApiKeyStore
from emailseq.logic.api_keys import issue_api_key, revoke_api_key

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])
Store = Annotated[ApiKeyStore, Depends(api_key_store)]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100, description="What the key is for.")]
    role: Role = Role.EDITOR


class ApiKeyOut(BaseModel):
    id: str
    name: str
    role: Role
    hint: str = Field(description="The key's first and last characters.")
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, stored only as its SHA-256.")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


def _out(record: ApiKeyRecord) -> ApiKeyOut:
    return ApiKeyOut(
        id=record.key_id, name=record.name, role=record.role, hint=record.hint, created_at=record.created_at
    )


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_api_key(
    body: ApiKeyIn, caller: Owner, store: Store, ports: Annotated[ApiPorts, Depends(api_ports)]
) -> ApiKeyCreated:
    key, record = issue_api_key(store, ports.clock, caller.tenant_id, body.role, body.name)
    return ApiKeyCreated(key=key, **_out(record).model_dump())


@router.get("", response_model=ApiKeyList)
def list_api_keys(caller: Owner, store: Store) -> ApiKeyList:
    return ApiKeyList(items=[_out(record) for record in store.of_tenant(caller.tenant_id)])


@router.delete("/{key_id}", status_code=204, response_class=Response)
def delete_api_key(key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], caller: Owner, store: Store) -> None:
    """Revoke: the key stops working (within the authorizer's cache time, see docs/auth.md)."""
    revoke_api_key(store, caller.tenant_id, key_id)
