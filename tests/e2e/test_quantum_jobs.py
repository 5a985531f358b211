"""A quantum job on the local stack: `emailseq quantum run --remote` POSTs it, the quantum worker (a zip function
with the numpy layer) runs it from its queue, GET returns the record with the classical answer and, where the
worker has no quantum SDK, a clear reason instead of a silent gap."""

import json

from tests.support.local_stack import LocalStack, cli


def test_a_small_job_through_the_api_and_the_worker(stack: LocalStack):
    # Given a small send-waves job on the demo sequence, submitted through the CLI to the stack
    job = json.loads(cli("quantum", "run", "send-waves", "--variables", "6", "--remote", "--json", timeout=120).stdout)
    # Then the worker finished it: the record, its timestamps, and the full result read back from S3
    assert job["status"] == "succeeded", job
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    result = job["result"]
    assert result["variables"] == 6
    assert result["classical_optimum"]["solver"] == "brute-force"
    assert result["classical_optimum"]["feasible"] is True
    assert result["random_sampling"]["shots"] == 1000
    # and the QAOA part is either there or plainly explained (the zip worker carries numpy, not the quantum SDKs)
    if result["quantum"] is None:
        assert "not run: backend 'braket-local' needs the 'braket' package" in job["quantum_note"]
    assert result["acted_on"]["solver"] == "brute-force"
    # and the same record is what GET answers to the tenant, while another tenant gets a 404
    assert stack.http("GET", f"/v1/quantum/jobs/{job['id']}").json()["result"] == result
    other = cli("tokens", "create", "--tenant", "quantum-other").stdout.strip()
    assert stack.http("GET", f"/v1/quantum/jobs/{job['id']}", token=other).status_code == 404
