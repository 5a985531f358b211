"""`/v1/settings`: the tenant's settings (the daily send cap per contact, its own event rate); owners change them."""

from typing import Annotated

from fastapi import APIRouter, Depends

from emailseq.api.deps import ApiPorts, api_ports, tenant_settings
from emailseq.api.principal import Caller, Owner
from emailseq.domain.ports import TenantSettingsRepository
from emailseq.domain.tenant import TenantSettings

router = APIRouter(prefix="/v1/settings", tags=["settings"])


Repository = Annotated[TenantSettingsRepository, Depends(tenant_settings)]


@router.get("", response_model=TenantSettings)
def get_settings(caller: Caller, repository: Repository) -> TenantSettings:
    return repository.get(caller.tenant_id)


@router.put("", response_model=TenantSettings)
def put_settings(
    body: TenantSettings, caller: Owner, repository: Repository, ports: Annotated[ApiPorts, Depends(api_ports)]
) -> TenantSettings:
    repository.put(caller.tenant_id, body)
    if ports.audit is not None:
        ports.audit.record(caller.tenant_id, caller.subject, "settings.changed", "settings", body.model_dump())
    return body
