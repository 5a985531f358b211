"""One quantum job end to end: build the problem, solve it classically, run QAOA, pick the answer to act on.

Backends: `braket-local` (default), `braket:ARN`, `ibm-local[:FakeBackend]`, `ibm:NAME`. Remote devices are
built only here, only when asked for; their angles are tuned on the matching local simulator first. Where the
backend's SDK is not installed (the worker's classical-only package), the record has the classical answers and
the random baseline, `quantum` is null and `quantum_status` says why: never a silent gap.
"""

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from emailseq.domain.optimisation.problems import Problem, ProblemKind, build_problem
from emailseq.domain.optimisation.qaoa import QaoaProgram, check_local_size
from emailseq.domain.optimisation.record import Answer, QuantumResult, QuantumRun, choose_answer
from emailseq.domain.ports import QaoaSampler
from emailseq.domain.sequence import SequenceDocument
from emailseq.quantum.classical import solve_classically
from emailseq.quantum.job_book import DONE, PENDING
from emailseq.quantum.landscape import Landscape, landscape
from emailseq.quantum.qaoa_runner import ExactSimulator, Tuning, quantum_run, random_baseline


@dataclass(frozen=True)
class QaoaOptions:
    backend: str = "braket-local"
    p: int = 1
    shots: int = 1000
    grid: tuple[int, int] = (8, 4)
    iterations: int = 20
    allow_large: bool = False
    poll_seconds: float = 5.0
    timeout_seconds: float = 3600.0


def backends(spec: str) -> tuple[ExactSimulator, QaoaSampler]:
    """The exact simulator the angles are tuned on, and the sampler the tuned circuit runs on."""
    from emailseq.quantum import braket_backend, qiskit_backend

    _require_sdks(spec)
    if spec == "braket-local":
        local = braket_backend.BraketLocal()
        return local, local
    if spec.startswith("braket:arn:"):
        return braket_backend.BraketLocal(), braket_backend.BraketDevice(spec.removeprefix("braket:"))
    if spec == "ibm-local" or spec.startswith("ibm-local:"):
        fake = qiskit_backend.IbmLocal(spec.partition(":")[2] or qiskit_backend.FAKE_BACKEND)
        return fake, fake
    if spec.startswith("ibm:") and len(spec) > 4:
        return qiskit_backend.IbmLocal(), qiskit_backend.IbmBackend(spec.removeprefix("ibm:"))
    raise ValueError(f"unknown backend '{spec}': use braket-local, braket:ARN, ibm-local or ibm:NAME")


def _require_sdks(spec: str) -> None:
    """Fail before any work when the backend's SDK is missing (find_spec looks without importing: no 3-4 s)."""
    needed = (
        ("braket", "scipy") if spec.startswith("braket") else ("qiskit", "qiskit_aer", "qiskit_ibm_runtime", "scipy")
    )
    for module in needed:
        if importlib.util.find_spec(module) is None:
            raise ImportError(f"No module named '{module}'", name=module)


def wait_for(sampler: QaoaSampler, job_id: str, options: QaoaOptions, sleep: Callable[[float], None]) -> str:
    deadline = time.monotonic() + options.timeout_seconds
    state = sampler.status(job_id)
    while state == PENDING and time.monotonic() < deadline:
        sleep(options.poll_seconds)
        state = sampler.status(job_id)
    return state


def run_job(
    kind: ProblemKind,
    document: SequenceDocument,
    variables: int,
    options: QaoaOptions,
    sleep: Callable[[float], None] = time.sleep,
) -> QuantumResult:
    problem = build_problem(kind, document, variables)
    check_local_size(problem.qubo.size, options.allow_large)
    try:
        tuner, sampler = backends(options.backend)
    except ImportError as missing:
        return classical_only(problem, options, missing.name or str(missing))
    return solve(problem, tuner, sampler, options, sleep)


def classical_only(problem: Problem, options: QaoaOptions, missing: str) -> QuantumResult:
    status = (
        f"not run: backend '{options.backend}' needs the '{missing}' package, which is not installed here "
        "(install emailseq[quantum], or run the job where it is: see docs/quantum.md)"
    )
    return _record(problem, solve_classically(problem), landscape(problem.qubo), None, status, options)


def solve(
    problem: Problem,
    tuner: ExactSimulator,
    sampler: QaoaSampler,
    options: QaoaOptions,
    sleep: Callable[[float], None] = time.sleep,
) -> QuantumResult:
    """Classical baselines, then QAOA tuned on `tuner` and sampled on `sampler` (submit, poll until done, fetch)."""
    classical = solve_classically(problem)
    land = landscape(problem.qubo)
    started = time.perf_counter()
    tuning = Tuning(tuner, QaoaProgram.from_ising(problem.qubo.ising(), (0.0,) * options.p, (0.0,) * options.p), land)
    tuned = tuning.run(options.grid, options.iterations)
    exact = tuner.probabilities(tuned) if sampler is cast(object, tuner) else None
    job_id = sampler.submit(tuned, options.shots)
    state = wait_for(sampler, job_id, options, sleep)
    quantum = None
    if state == DONE:
        run = quantum_run(problem, land, tuned, exact, sampler, sampler.counts(job_id), started)
        quantum = run.model_copy(update={"tuning_evaluations": tuning.evaluations})
    return _record(problem, classical, land, quantum, f"{state} (job {job_id})", options)


def _record(
    problem: Problem,
    classical: list[Answer],
    land: Landscape,
    quantum: QuantumRun | None,
    status: str,
    options: QaoaOptions,
) -> QuantumResult:
    if not classical:
        raise ValueError(
            f"no classical solver could run at {problem.qubo.size} variables here: brute force stops at 20 and "
            "simulated annealing / CP-SAT are not installed; use 20 variables or fewer"
        )
    optimum = min(classical, key=lambda answer: (answer.energy, answer.seconds))
    return QuantumResult(
        problem=problem.kind,
        variables=problem.qubo.size,
        data_source=problem.source,
        parameters=problem.parameters,
        energy_range=(land.lowest, land.highest),
        classical=classical,
        classical_optimum=optimum,
        quantum=quantum,
        quantum_status=status,
        random_sampling=random_baseline(problem, land, options.shots),
        acted_on=choose_answer(optimum, quantum.best_sample if quantum else None),
    )
