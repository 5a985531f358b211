"""`/v1/audit`: the tenant's audit log, its signed checkpoints and the public keys to check them (owners only).

The API hands out the raw chain; `emailseq audit verify` recomputes it on the caller's side, so verifying never
depends on trusting this service's own say-so (pin the public keys with `--keys` to not trust it for those either).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from emailseq.api.deps import audit_public_keys, audit_store
from emailseq.api.errors import Forbidden
from emailseq.api.principal import Caller
from emailseq.audit.log import AuditStore
from emailseq.auth import Principal, Role

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Store = Annotated[AuditStore, Depends(audit_store)]


class AuditPage(BaseModel):
    entries: list[dict[str, Any]]
    next_after: int | None  # pass as `after` for the next page; null on the last one


class CheckpointsOut(BaseModel):
    checkpoints: list[dict[str, Any]]
    public_keys: dict[str, str]


def _owner(caller: Principal) -> Principal:
    if caller.role != Role.OWNER:
        raise Forbidden("the audit log is for owners; an owner token is needed")
    return caller


@router.get("", response_model=AuditPage)
def list_entries(
    caller: Caller,
    store: Store,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> AuditPage:
    entries = store.entries(_owner(caller).tenant_id, after, limit)
    rows = [{**entry.__dict__, "at": entry.at.isoformat()} for entry in entries]
    return AuditPage(entries=rows, next_after=entries[-1].seq if len(entries) == limit else None)


@router.get("/checkpoints", response_model=CheckpointsOut)
def list_checkpoints(caller: Caller, store: Store) -> CheckpointsOut:
    checkpoints = store.checkpoints(_owner(caller).tenant_id)
    return CheckpointsOut(checkpoints=[c.__dict__ for c in checkpoints], public_keys=audit_public_keys())
