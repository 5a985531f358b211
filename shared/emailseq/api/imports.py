"""`/v1/imports`: CSV contact imports. POST gives an upload URL; the upload starts the import; GET shows progress
and, once done, a link to the per-row error report."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from emailseq.api.deps import import_ports_for_api
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import NotFound
from emailseq.domain.imports import ImportRecord, ImportStatus
from emailseq.logic.imports import UPLOAD_SECONDS, ImportPorts, create_import, report_url

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Ports = Annotated[ImportPorts, Depends(import_ports_for_api)]


class ImportOut(BaseModel):
    id: str
    status: ImportStatus
    created_at: datetime
    total: int | None  # rows in the file (without the header), once it was read
    done: int
    good: int
    bad: int
    reason: str | None = None
    error_report_url: str | None = None  # a presigned GET of the report CSV (line, column, reason), when bad > 0


class ImportCreated(ImportOut):
    upload_url: str  # PUT the CSV here (Content-Type: text/csv) within the hour
    upload_expires_in: int = UPLOAD_SECONDS


def _out(ports: ImportPorts, record: ImportRecord) -> ImportOut:
    return ImportOut(
        id=record.import_id,
        status=record.status,
        created_at=record.created_at,
        total=record.total,
        done=record.done,
        good=record.good,
        bad=record.bad,
        reason=record.reason,
        error_report_url=report_url(ports, record),
    )


@router.post("", status_code=201, response_model=ImportCreated)
def post_import(caller: Editor, ports: Ports) -> ImportCreated:
    record, upload_url = create_import(ports, caller.tenant_id)
    return ImportCreated(**_out(ports, record).model_dump(), upload_url=upload_url)


@router.get("/{import_id}", response_model=ImportOut)
def get_import(import_id: Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")], caller: Caller, ports: Ports) -> ImportOut:
    record = ports.imports.get(caller.tenant_id, import_id)
    if record is None:
        raise NotFound("import", import_id)
    return _out(ports, record)
