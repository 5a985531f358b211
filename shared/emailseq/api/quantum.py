"""`/v1/quantum/jobs`: quantum optimisation jobs, always beside the classical answer (docs/quantum.md).

POST checks the request (problem, backend, size: the same guards as the CLI) and answers 202 with the queued job;
the worker runs it. GET answers the job record and, once it succeeded, the full `QuantumResult` from S3.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from emailseq.api.deps import quantum_job_ports_for_api
from emailseq.api.principal import Caller, Editor
from emailseq.domain.optimisation.record import QuantumResult
from emailseq.domain.quantum_jobs import QuantumJob, QuantumJobRequest, QuantumJobStatus
from emailseq.logic.quantum_jobs import QuantumJobPorts, read_job, submit_job

router = APIRouter(prefix="/v1/quantum/jobs", tags=["quantum"])
Ports = Annotated[QuantumJobPorts, Depends(quantum_job_ports_for_api)]


class QuantumJobOut(BaseModel):
    id: str
    status: QuantumJobStatus
    request: QuantumJobRequest
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None  # failed: why
    # succeeded without a quantum part (e.g. this worker has no quantum SDK): why; the classical answer stands
    quantum_note: str | None = None
    result: QuantumResult | None = None  # once succeeded: classical, QAOA (or null), random baseline, acted_on


def _out(job: QuantumJob, result: QuantumResult | None = None) -> QuantumJobOut:
    return QuantumJobOut(
        id=job.job_id,
        status=job.status,
        request=job.request,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        quantum_note=job.quantum_note,
        result=result,
    )


@router.post("", status_code=202, response_model=QuantumJobOut)
def post_job(body: QuantumJobRequest, caller: Editor, ports: Ports) -> QuantumJobOut:
    return _out(submit_job(ports, caller.tenant_id, body))


@router.get("/{job_id}", response_model=QuantumJobOut)
def get_job(job_id: Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")], caller: Caller, ports: Ports) -> QuantumJobOut:
    return _out(*read_job(ports, caller.tenant_id, job_id))
