"""`/v1/sequences/{id}/…`: pause, resume, archive; enroll and unenroll a contact by hand."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from emailseq.api.deps import ApiPorts, api_ports, enroll_ports_for_api
from emailseq.api.principal import Editor
from emailseq.auth import Principal
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import ContactData
from emailseq.logic.enroll import EnrollPorts, enroll_contact, unenroll_contact

router = APIRouter(prefix="/v1/sequences", tags=["sequences"])
SequenceId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]


Status = Literal["active", "paused", "archived"]
Ports = Annotated[ApiPorts, Depends(api_ports)]


class StatusOut(BaseModel):
    id: str
    status: Status


class EnrollRequest(BaseModel):
    contact: ContactData


class EnrollmentOut(BaseModel):
    sequence_id: str
    contact_id: str
    generation: int
    status: str
    due_at: datetime | None


def _out(enrollment: Enrollment) -> EnrollmentOut:
    return EnrollmentOut(
        sequence_id=enrollment.sequence_id,
        contact_id=enrollment.contact_id,
        generation=enrollment.generation,
        status=enrollment.status.value,
        due_at=enrollment.due_at,
    )


def _change_status(sequence_id: str, status: Status, caller: Principal, ports: ApiPorts) -> StatusOut:
    if ports.sequences.status(caller.tenant_id, sequence_id) == "archived" and status != "archived":
        raise NotFound("unarchived sequence", sequence_id)  # archiving is final
    if ports.sequences.set_status(caller.tenant_id, sequence_id, status) is None:
        raise NotFound("sequence", sequence_id)
    if ports.audit is not None:
        ports.audit.record(caller.tenant_id, caller.subject, "sequence.status_set", sequence_id, {"status": status})
    return StatusOut(id=sequence_id, status=status)


@router.post("/{sequence_id}/pause", response_model=StatusOut)
def pause(sequence_id: SequenceId, caller: Editor, ports: Ports) -> StatusOut:
    """Nobody new enrolls; running enrollments hold where they are until resumed."""
    return _change_status(sequence_id, "paused", caller, ports)


@router.post("/{sequence_id}/resume", response_model=StatusOut)
def resume(sequence_id: SequenceId, caller: Editor, ports: Ports) -> StatusOut:
    return _change_status(sequence_id, "active", caller, ports)


@router.post("/{sequence_id}/archive", response_model=StatusOut)
def archive(sequence_id: SequenceId, caller: Editor, ports: Ports) -> StatusOut:
    """Final: running enrollments end (exited) at their next step, nobody new enrolls."""
    return _change_status(sequence_id, "archived", caller, ports)


@router.post("/{sequence_id}/enrollments", status_code=201, response_model=EnrollmentOut)
def enroll(
    sequence_id: SequenceId,
    body: EnrollRequest,
    caller: Editor,
    ports: Annotated[EnrollPorts, Depends(enroll_ports_for_api)],
) -> EnrollmentOut:
    return _out(enroll_contact(ports, caller.tenant_id, sequence_id, body.contact))


@router.delete("/{sequence_id}/enrollments/{contact_id}", response_model=EnrollmentOut)
def unenroll(
    sequence_id: SequenceId,
    contact_id: Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")],
    caller: Editor,
    ports: Annotated[EnrollPorts, Depends(enroll_ports_for_api)],
) -> EnrollmentOut:
    return _out(unenroll_contact(ports, caller.tenant_id, sequence_id, contact_id))
