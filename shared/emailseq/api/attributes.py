"""`/v1/attributes`: the tenant's attribute schema. A declared attribute's values must have its type (on events,
imports); undeclared attributes are taken as given."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict

from emailseq.api.deps import audience_ports_for_api
from emailseq.api.principal import Caller, Editor
from emailseq.domain.attributes import AttributeType
from emailseq.logic.segments import AudiencePorts

router = APIRouter(prefix="/v1/attributes", tags=["audiences"])
Ports = Annotated[AudiencePorts, Depends(audience_ports_for_api)]


class AttributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: AttributeType


class AttributeOut(BaseModel):
    name: str
    type: AttributeType


class SchemaOut(BaseModel):
    items: list[AttributeOut]


@router.get("", response_model=SchemaOut)
def get_schema(caller: Caller, ports: Ports) -> SchemaOut:
    schema = ports.audiences.schema(caller.tenant_id)
    return SchemaOut(items=[AttributeOut(name=n, type=t) for n, t in sorted(schema.items())])


@router.put("/{name}", response_model=AttributeOut)
def declare(
    name: Annotated[str, Path(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")],
    body: AttributeIn,
    caller: Editor,
    ports: Ports,
) -> AttributeOut:
    """Declare (or re-type) an attribute; values stored before are not converted."""
    ports.audiences.declare(caller.tenant_id, name, body.type)
    return AttributeOut(name=name, type=body.type)
