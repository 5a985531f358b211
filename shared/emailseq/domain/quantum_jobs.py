"""Quantum optimisation jobs: what a tenant asks for, checked before anything is queued, and the job's record.

A job runs asynchronously (API → queue → worker): the record says where it is (queued, running, succeeded,
failed) and, once it succeeded, where its full `QuantumResult` is kept. The same limits as the CLI apply: 2-22
variables (one variable = one qubit), local simulation refused above 20 qubits unless `allow_large`.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from emailseq.domain.errors import InvalidInput
from emailseq.domain.optimisation.problems import ProblemKind
from emailseq.domain.optimisation.qaoa import check_local_size

_BACKEND = re.compile(r"^(braket-local|ibm-local(:Fake[A-Za-z0-9]+)?|braket:arn:[\w:/.\-]+|ibm:[\w\-]+)$")
REMOTE_PREFIXES = ("braket:", "ibm:")


class QuantumJobRequest(BaseModel):
    """The body of POST /v1/quantum/jobs (and the order the worker runs)."""

    problem: ProblemKind
    sequence_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    variables: int = Field(default=10, ge=2, le=22)
    backend: str = "braket-local"
    shots: int = Field(default=1000, ge=1, le=100_000)
    p: int = Field(default=1, ge=1, le=5)
    allow_large: bool = False

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not _BACKEND.match(value):
            raise ValueError("use braket-local, braket:ARN, ibm-local[:FakeName] or ibm:NAME")
        return value

    @property
    def remote(self) -> bool:
        return self.backend.startswith(REMOTE_PREFIXES)

    def check_size(self) -> None:
        """Local state-vector simulation stops at 20 qubits (22 with allow_large); remote devices take any size."""
        if not self.remote:
            try:
                check_local_size(self.variables, self.allow_large)
            except ValueError as error:
                raise InvalidInput("variables", str(error).replace("--allow-large", "allow_large")) from error


class QuantumJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class QuantumJob:
    tenant_id: str
    job_id: str
    request: QuantumJobRequest
    created_at: datetime
    status: QuantumJobStatus = QuantumJobStatus.QUEUED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None  # why it failed, in words a user can act on
    quantum_note: str | None = None  # succeeded without a quantum part: why (e.g. the SDK is not in this worker)

    @property
    def result_key(self) -> str:
        return f"quantum/{self.tenant_id}/{self.job_id}/result.json"

    @property
    def finished(self) -> bool:
        return self.status in (QuantumJobStatus.SUCCEEDED, QuantumJobStatus.FAILED)
