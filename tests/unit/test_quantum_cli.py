"""`emailseq quantum run` in-process on the demo sequence: the record with the classical answer beside QAOA."""

import json

import pytest

pytest.importorskip("braket.devices", reason="the quantum extra (make quantum) is not installed")

from emailseq_cli.main import cli
from typer.testing import CliRunner


def test_quantum_run_prints_the_classical_optimum_beside_qaoa_and_acts_on_the_best() -> None:
    # Given the demo sequence (no --sequence) / When ab-balance runs on 6 variables with JSON output
    outcome = CliRunner().invoke(cli, ["quantum", "run", "ab-balance", "--variables", "6", "--shots", "200", "--json"])
    # Then it succeeds with the full record: classical baselines, QAOA, random sampling and the answer acted on
    assert outcome.exit_code == 0, outcome.output
    record = json.loads(outcome.output)
    assert record["data_source"].startswith("names: sequence 'demo-welcome'")
    assert {a["solver"] for a in record["classical"]} == {"brute-force", "simulated-annealing", "cp-sat"}
    assert record["quantum"]["backend"] == "braket-local"
    assert record["quantum"]["qubits"] == 6
    assert record["random_sampling"]["shots"] == 200
    assert record["acted_on"]["solver"] == record["classical_optimum"]["solver"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["send-routes"], "PROBLEM: 'send-routes' is not one of send-waves, content-blocks, ab-balance"),
        (["send-waves", "--backend", "dwave"], "unknown backend 'dwave'"),
        (["send-waves", "--variables", "22"], "22 qubits is too many to simulate locally"),
    ],
)
def test_bad_input_is_refused_with_the_reason(arguments: list[str], message: str) -> None:
    # Given a wrong problem, backend or size / When run / Then exit status 1 and a message saying what is wrong
    from emailseq_cli.errors import CliError

    outcome = CliRunner().invoke(cli, ["quantum", "run", *arguments])
    assert outcome.exit_code == 1
    assert isinstance(outcome.exception, CliError)
    assert message in str(outcome.exception)
