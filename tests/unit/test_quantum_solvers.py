"""Solvers on tiny instances (<= 8 qubits, p = 1, fixed angles, exact probabilities): fast and deterministic."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("braket.devices", reason="the quantum extra (make quantum) is not installed")

from builders import email, sequence
from emailseq.domain.optimisation.problems import PROBLEMS, ProblemKind, build_problem
from emailseq.domain.optimisation.qaoa import QaoaProgram
from emailseq.domain.optimisation.record import approximation_ratio
from emailseq.quantum import classical
from emailseq.quantum.braket_backend import BraketLocal
from emailseq.quantum.jobs import QaoaOptions, backends, run_job, solve
from emailseq.quantum.landscape import index_bitstring, landscape
from emailseq.quantum.qiskit_backend import IbmLocal
from fakes import FakeQpu

DEMO = sequence(email("welcome"), email("follow-up"))
TINY = QaoaOptions(shots=256, grid=(3, 2), iterations=4)


@pytest.mark.parametrize("kind", PROBLEMS)
def test_every_classical_solver_reaches_the_brute_force_optimum(kind: ProblemKind) -> None:
    # Given an 8-variable instance / When each classical solver runs
    problem = build_problem(kind, DEMO, 8)
    answers = classical.solve_classically(problem)
    # Then all three answered, each feasible at the landscape's lowest energy
    assert [a.solver for a in answers] == ["brute-force", "simulated-annealing", "cp-sat"]
    lowest = landscape(problem.qubo).lowest
    for answer in answers:
        assert answer.feasible
        assert answer.energy == pytest.approx(lowest)


def test_the_landscape_orders_bits_with_variable_0_first() -> None:
    # Given a 3-variable problem / When every bitstring's energy is enumerated / Then index k is bitstring k
    problem = build_problem("content-blocks", DEMO, 3)
    energies = landscape(problem.qubo).energies
    for k, bits in enumerate(itertools.product((0, 1), repeat=3)):
        assert energies[k] == pytest.approx(problem.qubo.energy(bits))


def test_braket_and_qiskit_give_the_same_exact_state_for_the_same_named_angles() -> None:
    # Given a 6-qubit send-waves program at fixed, unequal angles (a gamma/beta swap would show)
    problem = build_problem("send-waves", DEMO, 6)
    program = QaoaProgram.from_ising(problem.qubo.ising(), (0.4,), (0.9,))
    # When both SDKs simulate it exactly
    braket = BraketLocal().probabilities(program)
    qiskit = IbmLocal().probabilities(program)
    # Then the distributions agree bit for bit (and are not the uniform start)
    assert np.allclose(braket, qiskit, atol=1e-9)
    assert not np.allclose(braket, 1 / 64)
    swapped = BraketLocal().probabilities(program.with_angles((0.9,), (0.4,)))
    assert not np.allclose(braket, swapped)


# ibm-local on a 7-qubit fake device: the same code path as the default FakeBrisbane, seconds faster to simulate.
@pytest.mark.parametrize("backend", ["braket-local", "ibm-local:FakeNairobiV2"])
def test_a_job_reports_quantum_beside_a_consistent_classical_baseline(backend: str) -> None:
    # Given the demo sequence's send-waves problem at 6 variables / When a QAOA job runs on the local backend
    result = run_job("send-waves", DEMO, 6, replace(TINY, backend=backend))
    # Then the classical optimum is the landscape minimum and is what the product acts on
    lowest, highest = result.energy_range
    assert result.classical_optimum.energy == pytest.approx(lowest)
    assert result.acted_on.solver == result.classical_optimum.solver
    # And the quantum figures are present and consistent with each other
    quantum = result.quantum
    assert quantum is not None
    assert quantum.backend == backend.partition(":")[0]
    assert quantum.stand_in
    assert quantum.qubits == 6
    assert quantum.p == 1
    assert quantum.shots == 256
    assert quantum.two_qubit_gates >= len(build_problem("send-waves", DEMO, 6).qubo.ising().j)
    assert quantum.approximation_ratio == pytest.approx(approximation_ratio(quantum.expectation, lowest, highest))
    assert lowest <= quantum.expectation <= highest
    assert 0 <= quantum.optimum_probability <= 1
    assert quantum.best_sample.energy >= lowest
    # And the uniform-random baseline with the same shot budget is beside it
    baseline = result.random_sampling
    assert baseline is not None
    assert baseline.shots == 256
    assert baseline.optimum_probability == pytest.approx(float(landscape_of("send-waves", 6).optimal_mask().mean()))


def landscape_of(kind: ProblemKind, variables: int):  # type: ignore[no-untyped-def]
    return landscape(build_problem(kind, DEMO, variables).qubo)


def test_remote_devices_are_not_contacted_until_a_run_is_submitted() -> None:
    # Given no AWS or IBM credentials here / When remote backends are resolved / Then nothing is called yet
    _, braket = backends("braket:arn:aws:braket:::device/quantum-simulator/amazon/sv1")
    assert braket.device == "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
    with pytest.raises(ValueError, match="unknown backend"):
        backends("dwave")


def test_a_remote_run_is_submitted_once_polled_until_done_and_reported_from_its_samples() -> None:
    # Given a 4-variable content-blocks problem and a device that stays queued for two polls
    problem = build_problem("content-blocks", DEMO, 4)
    land = landscape(problem.qubo)
    optimum = index_bitstring(int(land.energies.argmin()), 4)
    device = FakeQpu(results={optimum: 30, "0000": 70})
    slept: list[float] = []
    # When the job runs with angles tuned on the local simulator
    result = solve(problem, BraketLocal(), device, replace(TINY, poll_seconds=7), sleep=slept.append)
    # Then one sampling task was submitted with tuned angles, and polled until it completed
    assert len(device.submitted) == 1
    assert device.submitted[0][1] == TINY.shots
    assert slept == [7, 7]
    # And the figures come from the device's samples, not from a simulator's state
    quantum = result.quantum
    assert quantum is not None
    assert quantum.optimum_probability_source == "sampled"
    assert quantum.optimum_probability == pytest.approx(0.3)
    assert quantum.optimum_hits_in_shots == 30
    assert quantum.best_sample.bitstring == optimum
    assert quantum.stand_in is None
    assert result.quantum_status == "COMPLETED (job task-1)"
