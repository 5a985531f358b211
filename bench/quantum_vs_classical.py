"""QAOA (p=1) on local simulators beside classical solvers, for each problem at 10, 16 and 20 variables.

The instances are built from the demo sequence (examples/demo-sequence.yaml). QAOA angles are tuned on the exact
state vector (6x3 grid, then up to 10 COBYLA steps), then 1000 shots are sampled. Run: `make bench`, or
`python bench/quantum_vs_classical.py [SIZES...] [--ibm SIZES]` (default sizes 10 16 20; ibm-local at 10), or
`--classical-only [SIZES...]` for the classical table alone (seconds, not minutes).
"""

import sys
import time
from pathlib import Path

import yaml
from emailseq.domain.optimisation.problems import PROBLEMS, build_problem
from emailseq.domain.sequence import SequenceDocument
from emailseq.quantum.classical import solve_classically
from emailseq.quantum.jobs import QaoaOptions, run_job

DEMO = SequenceDocument.model_validate(
    yaml.safe_load((Path(__file__).parents[1] / "examples/demo-sequence.yaml").read_text())
)
HEADER = (
    f"{'problem':<15}{'vars':>5} {'backend':<13}{'classical best':>15}{'by':>21}{'time s (bf/sa/cp)':>20} |"
    f"{'QAOA ratio':>11}{'P(opt)':>9}{'best shot':>11}{'feas':>6}{'2q gates':>9}{'depth':>7}{'time s':>8} |"
    f"{'random ratio':>13}{'rand best':>11}"
)


def row(kind: str, variables: int, backend: str) -> str:
    options = QaoaOptions(backend=backend, shots=1000, grid=(6, 3), iterations=10, allow_large=True)
    started = time.perf_counter()
    result = run_job(kind, DEMO, variables, options)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    best, quantum, rand = result.classical_optimum, result.quantum, result.random_sampling
    assert quantum is not None
    assert rand is not None
    times = "/".join(f"{a.seconds:.2f}" for a in result.classical)
    return (
        f"{kind:<15}{variables:>5} {backend:<13}{best.energy:>15.3f}{best.solver:>21}{times:>20} |"
        f"{quantum.approximation_ratio:>11.3f}{quantum.optimum_probability:>9.4f}{quantum.best_sample.energy:>11.3f}"
        f"{'yes' if quantum.best_sample.feasible else 'no':>6}{quantum.two_qubit_gates:>9}{quantum.depth:>7}"
        f"{quantum.wall_seconds:>8.1f} |{rand.expected_approximation_ratio:>13.3f}{rand.best_sample.energy:>11.3f}"
        f"   (acted on: {result.acted_on.solver}; job {wall:.1f} s)"
    )


def classical_table(sizes: list[int]) -> None:
    """Each classical solver's energy (and whether it is the exact optimum) and time, per problem and size."""
    print("classical solvers: energy (* = equals brute force, the exact optimum) and seconds")
    for kind in PROBLEMS:
        for variables in sizes:
            answers = solve_classically(build_problem(kind, DEMO, variables))
            exact = answers[0].energy
            cells = [
                f"{a.solver} {a.energy:.4f}{'*' if a.energy <= exact + 1e-9 else ' '} {a.seconds:.3f}s" for a in answers
            ]
            print(f"{kind:<15}{variables:>5}   " + "   ".join(cells), flush=True)


def main(argv: list[str]) -> None:
    if "--classical-only" in argv:
        classical_table([int(a) for a in argv if a.isdigit()] or [10, 16, 20])
        return
    ibm_at = argv.index("--ibm") if "--ibm" in argv else len(argv)
    sizes = [int(a) for a in argv[:ibm_at]] or [10, 16, 20]
    ibm_sizes = [int(a) for a in argv[ibm_at + 1 :]] or [10]
    classical_table(sizes)
    print("classical time s = brute-force/simulated-annealing/cp-sat; ratio = (E_max - E) / (E_max - E_min)")
    print(HEADER)
    for kind in PROBLEMS:
        for variables in sizes:
            print(row(kind, variables, "braket-local"), flush=True)
        for variables in ibm_sizes:
            print(row(kind, variables, "ibm-local"), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
