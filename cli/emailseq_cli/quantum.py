"""`emailseq quantum run`: a QAOA job beside its classical baselines, in-process (needs `emailseq[quantum]`), or
with `--remote` as a job on the stack (POST /v1/quantum/jobs, then GET until it finished)."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from emailseq_cli.errors import CliError

quantum_app = typer.Typer(help="Quantum optimisation beside its classical baseline.", no_args_is_help=True)

PROBLEM_HELP = "send-waves, content-blocks or ab-balance"
BACKEND_HELP = "braket-local (default), braket:ARN, ibm-local or ibm:NAME"


def load_sequence(sequence: str | None) -> Any:
    """A sequence document file, a sequence id of the tenant (read through the API), or the demo sequence."""
    from emailseq.domain.sequence import SequenceDocument
    from pydantic import ValidationError

    from emailseq_cli.documents import load_document
    from emailseq_cli.local.paths import project_root

    if sequence is None:
        data = load_document(project_root() / "examples" / "demo-sequence.yaml")
    elif Path(sequence).is_file():
        data = load_document(Path(sequence))
    else:
        from emailseq_cli.api import call

        data = call("GET", f"/v1/sequences/{sequence}")["document"]
    try:
        return SequenceDocument.model_validate(data)
    except ValidationError as error:
        raise CliError(f"--sequence: not a valid sequence document: {error.errors()[0]['msg']}") from error


@quantum_app.command("run")
def run(
    problem: Annotated[str, typer.Argument(metavar="PROBLEM", help=PROBLEM_HELP)],
    sequence: Annotated[str | None, typer.Option(help="Sequence file or id (default: the demo sequence).")] = None,
    variables: Annotated[int, typer.Option(min=2, max=22, help="Instance size in binary variables (= qubits).")] = 10,
    backend: Annotated[str, typer.Option(help=BACKEND_HELP)] = "braket-local",
    shots: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
    p: Annotated[int, typer.Option("--p", min=1, max=5, help="QAOA layers.")] = 1,
    allow_large: Annotated[bool, typer.Option(help="Allow local simulation up to 22 qubits (slow).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    remote: Annotated[
        bool, typer.Option(help="Run it as a job on the stack's quantum worker (--sequence: an id).")
    ] = False,
) -> None:
    """Solve PROBLEM classically and with QAOA; print both, and the answer the product acts on."""
    if remote:
        body = {"problem": problem, "sequence_id": sequence, "variables": variables, "backend": backend}
        job = run_remote(body | {"shots": shots, "p": p, "allow_large": allow_large})
        typer.echo(json.dumps(job, indent=2) if as_json else remote_summary(job))
        return
    try:
        from emailseq.domain.optimisation.problems import PROBLEMS
        from emailseq.quantum.jobs import QaoaOptions, run_job
    except ImportError as error:
        raise CliError(f"the quantum extra is not installed ({error.name}): pip install 'emailseq[quantum]'") from error
    if problem not in PROBLEMS:
        raise CliError(f"PROBLEM: '{problem}' is not one of {', '.join(PROBLEMS)}")
    document = load_sequence(sequence)
    options = QaoaOptions(backend=backend, p=p, shots=shots, allow_large=allow_large)
    try:
        result = run_job(problem, document, variables, options)
    except ValueError as error:
        raise CliError(str(error)) from error
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    typer.echo(summary(result.model_dump(mode="json")))


def summary(record: dict[str, Any]) -> str:
    best, quantum, rand = record["classical_optimum"], record["quantum"], record["random_sampling"]
    lines = [
        f"{record['problem']}: {record['variables']} variables ({record['data_source']})",
        f"  classical  {best['solver']:<20} energy {best['energy']:.4f} in {best['seconds']:.3f} s",
    ]
    if quantum:
        sample = quantum["best_sample"]
        lines += [
            f"  QAOA       {quantum['backend']:<20} <E> {quantum['expectation']:.4f}  ratio "
            f"{quantum['approximation_ratio']:.3f}  P(opt) {quantum['optimum_probability']:.4f}  best "
            f"{sample['energy']:.4f} ({'feasible' if sample['feasible'] else 'infeasible'})",
            f"             {quantum['qubits']} qubits, {quantum['two_qubit_gates']} two-qubit gates, depth "
            f"{quantum['depth']}, p={quantum['p']}, {quantum['shots']} shots, {quantum['wall_seconds']:.2f} s",
        ]
    else:
        lines.append(f"  QAOA       {record['quantum_status']}")
    lines += [
        f"  random     {rand['shots']} uniform samples: best {rand['best_sample']['energy']:.4f}, "
        f"expected ratio {rand['expected_approximation_ratio']:.3f}",
        f"  acted on   {record['acted_on']['solver']}: {record['acted_on']['reason']}",
    ]
    return "\n".join(lines)


def run_remote(body: dict[str, Any], timeout: float = 900.0, every: float = 1.0) -> dict[str, Any]:
    """Submit the job, then poll its record until the worker finished it (or `timeout` seconds passed)."""
    from emailseq_cli.api import call

    job: dict[str, Any] = call("POST", "/v1/quantum/jobs", body)
    deadline = time.monotonic() + timeout
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(every)
        job = call("GET", f"/v1/quantum/jobs/{job['id']}")
    return job


def remote_summary(job: dict[str, Any]) -> str:
    head = f"job {job['id']}: {job['status']}"
    if job.get("error"):
        return f"{head}: {job['error']}"
    return head if job.get("result") is None else f"{head}\n{summary(job['result'])}"
