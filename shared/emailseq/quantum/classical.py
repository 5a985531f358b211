"""Classical baselines: brute force (<= 20 variables), simulated annealing (dwave-samplers), CP-SAT (ortools).

Each returns the bitstring it found; energies are always re-evaluated on the one QUBO so every answer compares.
"""

import time
from collections.abc import Callable

from emailseq.domain.optimisation.problems import Problem
from emailseq.domain.optimisation.qubo import bitstring
from emailseq.domain.optimisation.record import Answer
from emailseq.quantum.landscape import index_bitstring, landscape

BRUTE_FORCE_MAX = 20
CP_SAT_SCALE = 10_000


def _answer(problem: Problem, solver: str, bits: list[int], started: float) -> Answer:
    decoded = problem.decode(bits)
    return Answer(
        solver=solver,
        bitstring=bitstring(bits),
        energy=problem.qubo.energy(bits),
        feasible=decoded.feasible,
        summary=decoded.summary,
        seconds=round(time.perf_counter() - started, 4),
    )


def brute_force(problem: Problem) -> Answer | None:
    """Every bitstring, vectorised; None past 20 variables (2^20 states is the practical ceiling here)."""
    if problem.qubo.size > BRUTE_FORCE_MAX:
        return None
    started = time.perf_counter()
    best = int(landscape(problem.qubo).energies.argmin())
    bits = [int(c) for c in index_bitstring(best, problem.qubo.size)]
    return _answer(problem, "brute-force", bits, started)


def simulated_annealing(problem: Problem, reads: int = 100, seed: int = 7) -> Answer:
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler

    started = time.perf_counter()
    qubo = problem.qubo
    model = dimod.BinaryQuadraticModel(dict(enumerate(qubo.linear)), qubo.quadratic, qubo.offset, dimod.BINARY)
    sampleset = SimulatedAnnealingSampler().sample(  # type: ignore[no-untyped-call]
        model, num_reads=reads, seed=seed
    )
    first = sampleset.first.sample
    return _answer(problem, "simulated-annealing", [int(first[i]) for i in range(qubo.size)], started)


def cp_sat(problem: Problem, seconds: float = 10.0) -> Answer:
    """The QUBO with its equalities as hard constraints; products linearised; coefficients scaled to integers."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    qubo = problem.qubo
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(qubo.size)]
    terms = [round(c * CP_SAT_SCALE) * x[i] for i, c in enumerate(qubo.linear) if round(c * CP_SAT_SCALE)]
    for (a, b), weight in qubo.quadratic.items():
        both = model.new_bool_var(f"x{a}x{b}")
        model.add(both <= x[a])
        model.add(both <= x[b])
        model.add(both >= x[a] + x[b] - 1)
        terms.append(round(weight * CP_SAT_SCALE) * both)
    for indices, count in problem.equalities:
        model.add(sum(x[i] for i in indices) == count)
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.solve(model)
    return _answer(problem, "cp-sat", [int(solver.value(v)) for v in x], started)


SOLVERS: dict[str, Callable[[Problem], Answer | None]] = {
    "brute-force": brute_force,
    "simulated-annealing": simulated_annealing,
    "cp-sat": cp_sat,
}


def solve_classically(problem: Problem) -> list[Answer]:
    """Every solver whose library is installed: brute force needs numpy only; SA and CP-SAT are skipped (and
    the record's `classical` list shows which ran) in a package without dwave-samplers or ortools."""
    answers: list[Answer] = []
    for solve in SOLVERS.values():
        try:
            answer = solve(problem)
        except ImportError:
            continue
        if answer is not None:
            answers.append(answer)
    return answers
