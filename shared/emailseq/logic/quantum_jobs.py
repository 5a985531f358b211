"""Quantum optimisation jobs: accept (checked, recorded, queued), run (in the worker), read back with the result.

The API function never imports the solvers (numpy and the quantum SDKs are not in its package): the worker
passes `solve`, which wiring builds from emailseq.quantum.jobs. A redelivered order for a finished job is a
no-op; one for a job left `running` (the worker crashed or timed out) runs it again, and after the queue's
retries it waits in the dead-letter queue (`emailseq dlq list --queue quantum`).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from emailseq.domain.errors import InvalidInput, NotFound
from emailseq.domain.optimisation.demo import demo_sequence
from emailseq.domain.optimisation.record import QuantumResult
from emailseq.domain.ports import Clock, QuantumJobQueue, QuantumJobStore, QuantumResults, SequenceRepository
from emailseq.domain.quantum_jobs import QuantumJob, QuantumJobRequest, QuantumJobStatus
from emailseq.domain.sequence import SequenceDocument

Solve = Callable[[QuantumJobRequest, SequenceDocument], QuantumResult]


@dataclass(frozen=True)
class QuantumJobPorts:
    jobs: QuantumJobStore
    results: QuantumResults
    queue: QuantumJobQueue
    sequences: SequenceRepository
    clock: Clock


def submit_job(ports: QuantumJobPorts, tenant_id: str, request: QuantumJobRequest) -> QuantumJob:
    """Check what the worker would refuse (size, the sequence), record the job as queued, queue its order."""
    request.check_size()
    if request.sequence_id is not None and ports.sequences.current(tenant_id, request.sequence_id) is None:
        raise NotFound("sequence", request.sequence_id)
    job = QuantumJob(tenant_id=tenant_id, job_id=uuid.uuid4().hex, request=request, created_at=ports.clock.now())
    ports.jobs.create(job)
    ports.queue.send(tenant_id, job.job_id)
    return job


def read_job(ports: QuantumJobPorts, tenant_id: str, job_id: str) -> tuple[QuantumJob, QuantumResult | None]:
    job = ports.jobs.get(tenant_id, job_id)
    if job is None:
        raise NotFound("quantum job", job_id)
    stored = ports.results.get(job.result_key) if job.status == QuantumJobStatus.SUCCEEDED else None
    return job, QuantumResult.model_validate(stored) if stored is not None else None


def run_job(ports: QuantumJobPorts, tenant_id: str, job_id: str, solve: Solve) -> QuantumJob | None:
    """The worker's part: None when there is nothing to do (unknown or finished job)."""
    job = ports.jobs.get(tenant_id, job_id)
    if job is None or job.finished or not ports.jobs.start(tenant_id, job_id, ports.clock.now()):
        return None
    try:
        result = solve(job.request, _document(ports, job))
    except (InvalidInput, NotFound, ValueError) as refused:
        ports.jobs.finish(tenant_id, job_id, QuantumJobStatus.FAILED, ports.clock.now(), str(refused), None)
        return ports.jobs.get(tenant_id, job_id)
    ports.results.put(job.result_key, result.model_dump(mode="json"))
    note = result.quantum_status if result.quantum is None else None
    ports.jobs.finish(tenant_id, job_id, QuantumJobStatus.SUCCEEDED, ports.clock.now(), None, note)
    return ports.jobs.get(tenant_id, job_id)


def _document(ports: QuantumJobPorts, job: QuantumJob) -> SequenceDocument:
    if job.request.sequence_id is None:
        return demo_sequence()
    stored = ports.sequences.current(job.tenant_id, job.request.sequence_id)
    if stored is None:
        raise NotFound("sequence", job.request.sequence_id)  # deleted between the POST and the run
    return stored.document
