"""Quantum jobs: the request's guards, submit → queue, the worker's run (result kept, notes, failures), tenancy."""

import sys
from pathlib import Path

import pytest
import yaml
from emailseq.domain.errors import InvalidInput, NotFound
from emailseq.domain.optimisation.demo import DEMO_SEQUENCE, demo_sequence
from emailseq.domain.ports import StoredSequence
from emailseq.domain.quantum_jobs import QuantumJobRequest, QuantumJobStatus
from emailseq.logic.quantum_jobs import QuantumJobPorts, read_job, run_job, submit_job
from emailseq.quantum.job_book import DONE, FAILED, PENDING, LocalJobs, remote_state
from emailseq.quantum.jobs import QaoaOptions
from emailseq.quantum.jobs import run_job as solve_job
from pydantic import ValidationError

from tests.unit.fakes import (
    T0,
    FakeClock,
    FakeQuantumJobQueue,
    FakeQuantumJobStore,
    FakeQuantumResults,
    FakeSequenceRepository,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ports() -> QuantumJobPorts:
    return QuantumJobPorts(
        FakeQuantumJobStore(), FakeQuantumResults(), FakeQuantumJobQueue(), FakeSequenceRepository(), FakeClock()
    )


def classical_only(request: QuantumJobRequest, document):  # the worker's package without the quantum SDKs
    return solve_job(request.problem, document, request.variables, QaoaOptions(backend="braket-local", shots=64))


def without_sdks(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("braket", "qiskit", "qiskit_aer", "qiskit_ibm_runtime"):
        monkeypatch.setitem(sys.modules, module, None)  # find_spec answers None: not installed


def test_local_simulation_above_20_qubits_is_refused_naming_the_field_and_the_override():
    request = QuantumJobRequest(problem="send-waves", variables=21)
    with pytest.raises(InvalidInput) as refused:
        request.check_size()
    assert refused.value.field == "variables"
    assert "limit is 20" in refused.value.reason
    assert "allow_large" in refused.value.reason
    QuantumJobRequest(problem="send-waves", variables=22, allow_large=True).check_size()
    QuantumJobRequest(problem="send-waves", variables=22, backend="ibm:ibm_brisbane").check_size()  # remote


@pytest.mark.parametrize(
    "body", [{"problem": "tsp"}, {"problem": "ab-balance", "backend": "dwave"}, {"problem": "ab-balance", "p": 0}]
)
def test_an_unknown_problem_or_backend_or_a_bad_size_is_a_validation_error(body):
    with pytest.raises(ValidationError):
        QuantumJobRequest.model_validate(body)


def test_a_submitted_job_is_recorded_queued_and_ordered(ports: QuantumJobPorts):
    job = submit_job(ports, "t1", QuantumJobRequest(problem="ab-balance", variables=6))
    assert (job.status, job.created_at) == (QuantumJobStatus.QUEUED, T0)
    assert ports.queue.sent == [("t1", job.job_id)]  # type: ignore[attr-defined]
    assert read_job(ports, "t1", job.job_id) == (job, None)


def test_a_job_on_a_sequence_the_tenant_does_not_have_is_not_found_and_not_queued(ports: QuantumJobPorts):
    with pytest.raises(NotFound):
        submit_job(ports, "t1", QuantumJobRequest(problem="ab-balance", sequence_id="nope"))
    assert ports.queue.sent == []  # type: ignore[attr-defined]


def test_the_worker_keeps_the_result_and_says_why_there_is_no_quantum_part(ports, monkeypatch):
    # Given a job on the tenant's own sequence, and a worker without the quantum SDKs
    without_sdks(monkeypatch)
    ports.sequences.save_new_version(StoredSequence("t1", demo_sequence(), 1, "h", T0))
    job = submit_job(ports, "t1", QuantumJobRequest(problem="send-waves", sequence_id="demo-welcome", variables=6))
    # When the worker runs it
    done = run_job(ports, "t1", job.job_id, classical_only)
    # Then it succeeded with the classical answer (brute force, exact), the random baseline and a clear note
    assert done is not None
    assert done.status == QuantumJobStatus.SUCCEEDED
    assert done.quantum_note is not None
    assert "needs the 'braket' package" in done.quantum_note
    _, result = read_job(ports, "t1", job.job_id)
    assert result is not None
    assert result.quantum is None
    assert "brute-force" in [answer.solver for answer in result.classical]
    assert result.random_sampling is not None
    assert result.acted_on.solver == result.classical_optimum.solver
    # and another tenant cannot see it
    with pytest.raises(NotFound):
        read_job(ports, "t2", job.job_id)


def test_a_refused_run_fails_with_its_reason_and_a_redelivered_order_does_nothing(ports: QuantumJobPorts):
    job = submit_job(ports, "t1", QuantumJobRequest(problem="ab-balance", variables=4))

    def refuse(request, document):
        raise ValueError("no classical solver could run")

    failed = run_job(ports, "t1", job.job_id, refuse)
    assert failed is not None
    assert (failed.status, failed.error) == (
        QuantumJobStatus.FAILED,
        "no classical solver could run",
    )
    assert run_job(ports, "t1", job.job_id, refuse) is None
    assert run_job(ports, "t1", "0" * 32, refuse) is None


def test_the_built_in_demo_sequence_is_the_one_make_run_seeds():
    assert yaml.safe_load((ROOT / "examples" / "demo-sequence.yaml").read_text()) == DEMO_SEQUENCE


def test_local_runs_are_done_at_once_and_remote_states_map_onto_three():
    jobs = LocalJobs()
    job_id = jobs.keep({"01": 3})
    assert (jobs.status(job_id), jobs.counts(job_id), jobs.status("other")) == (DONE, {"01": 3}, FAILED)
    failed = ("ERROR", "CANCELLED")
    assert [remote_state(s, "DONE", failed) for s in ("DONE", "ERROR", "QUEUED")] == [DONE, FAILED, PENDING]
