"""Quantum jobs in-process: POST /v1/quantum/jobs → the record in the table and an order on the quantum queue →
the worker runs it (classical solvers, QAOA where the SDKs are installed) → GET answers the record and the result
from S3. Bad input is a 422 naming the field; another tenant's job is a 404."""

import sys
from typing import Any

import pytest

OWNER = {"tenant": "t1", "role": "owner", "sub": "dev:x"}
ROUTE = "/v1/quantum/jobs"


def _post(stack, body: dict[str, Any], caller=OWNER):
    event = stack.http_event("POST", ROUTE, route_key=f"POST {ROUTE}", body=body, caller=caller)
    return stack.call_api("apiQuantum", event)


def _get(stack, job_id: str, caller=OWNER):
    event = stack.http_event(
        "GET",
        f"{ROUTE}/{job_id}",
        route_key=f"GET {ROUTE}/{{job_id}}",
        caller=caller,
        path_parameters={"job_id": job_id},
    )
    return stack.call_api("apiQuantum", event)


def _run_worker(stack) -> None:
    # A coarse angle search keeps the test quick; the angles' quality is the bench's business, not this test's.
    worker = stack.cold_start("quantumWorker", EMAILSEQ_TUNING_GRID="[3, 2]", EMAILSEQ_TUNING_ITERATIONS="2")
    assert len(stack.deliver("QuantumQueue", worker)) == 1


def test_a_job_runs_on_the_braket_simulator_beside_its_classical_answer(stack):
    # Given a small job on the demo sequence
    accepted = _post(stack, {"problem": "ab-balance", "variables": 4, "shots": 200})
    assert accepted.status == 202, accepted
    assert accepted.body["status"] == "queued"
    assert accepted.body["result"] is None
    # When the worker takes its order
    _run_worker(stack)
    # Then the record says succeeded, with timestamps, and the full result from S3
    job = _get(stack, accepted.body["id"])
    assert job.status == 200, job
    body = job.body
    assert body["status"] == "succeeded"
    assert body["started_at"]
    assert body["finished_at"]
    assert body["error"] is None
    result = body["result"]
    assert result["classical_optimum"]["solver"] in [answer["solver"] for answer in result["classical"]]
    quantum = result["quantum"]
    assert quantum["backend"] == "braket-local"
    assert quantum["qubits"] == 4
    assert quantum["shots"] == 200
    assert 0.0 <= quantum["approximation_ratio"] <= 1.0
    assert result["random_sampling"]["shots"] == 200
    assert result["acted_on"]["solver"] == result["classical_optimum"]["solver"]
    # and another tenant does not find it
    assert _get(stack, accepted.body["id"], caller={**OWNER, "tenant": "t2"}).status == 404


def test_a_worker_without_the_quantum_sdks_answers_the_classical_part_and_says_why(stack, monkeypatch):
    for module in ("braket", "qiskit", "qiskit_aer", "qiskit_ibm_runtime"):
        monkeypatch.setitem(sys.modules, module, None)  # as in the zip worker's package: numpy only
    accepted = _post(stack, {"problem": "send-waves", "variables": 6, "backend": "ibm-local"})
    _run_worker(stack)
    body = _get(stack, accepted.body["id"]).body
    assert body["status"] == "succeeded"
    assert body["result"]["quantum"] is None
    assert "needs the 'qiskit' package" in body["quantum_note"]
    assert body["result"]["quantum_status"] == body["quantum_note"]
    assert body["result"]["classical_optimum"]["feasible"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"problem": "send-waves", "variables": 21}, "variables"),
        ({"problem": "send-waves", "backend": "dwave"}, "backend"),
        ({"problem": "tsp"}, "problem"),
        ({"problem": "ab-balance", "shots": 0}, "shots"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_queued(stack, body, field):
    refused = _post(stack, body)
    assert refused.status == 422, refused
    assert [error["field"] for error in refused.body["errors"]] == [field]
    assert stack.drain("QuantumQueue") == []


def test_a_job_on_a_sequence_the_tenant_does_not_have_is_a_404(stack):
    assert _post(stack, {"problem": "ab-balance", "sequence_id": "missing"}).status == 404
