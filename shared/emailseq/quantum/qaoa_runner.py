"""QAOA beside its baselines: tune the angles on an exact local simulator, sample once on the chosen backend.

Tuning is a coarse (gamma, beta) grid then a few COBYLA steps on the exact expectation. A remote device gets
one sampling job with the tuned angles (hardware time is spent on sampling, not on the classical outer loop).
"""

import time
from typing import Protocol

import numpy as np

from emailseq.domain.optimisation.problems import Problem
from emailseq.domain.optimisation.qaoa import QaoaProgram
from emailseq.domain.optimisation.qubo import bits_of
from emailseq.domain.optimisation.record import Answer, QuantumRun, RandomBaseline, approximation_ratio
from emailseq.domain.ports import QaoaSampler
from emailseq.quantum.landscape import FloatArray, Landscape, index_bitstring


class ExactSimulator(Protocol):
    def probabilities(self, program: QaoaProgram) -> FloatArray: ...


class Tuning:
    def __init__(self, simulator: ExactSimulator, program: QaoaProgram, land: Landscape) -> None:
        self.simulator, self.program, self.land, self.evaluations = simulator, program, land, 0

    def expectation(self, angles: FloatArray) -> float:
        self.evaluations += 1
        p = self.program.layers
        candidate = self.program.with_angles(tuple(map(float, angles[:p])), tuple(map(float, angles[p:])))
        return self.land.expectation(self.simulator.probabilities(candidate))

    def run(self, grid: tuple[int, int], iterations: int) -> QaoaProgram:
        from scipy.optimize import minimize

        p = self.program.layers
        points = [
            np.array([g] * p + [b] * p)
            for g in np.linspace(0.1, np.pi, grid[0])
            for b in np.linspace(0.1, np.pi / 2, grid[1])
        ]
        start = min(points, key=self.expectation)
        best = minimize(
            self.expectation, start, method="COBYLA", options={"maxiter": max(iterations, 2 * p + 2), "rhobeg": 0.2}
        ).x
        if self.expectation(best) > self.expectation(start):
            best = start
        return self.program.with_angles(tuple(map(float, best[:p])), tuple(map(float, best[p:])))


def sample_answer(problem: Problem, solver: str, bitstring: str, seconds: float) -> Answer:
    bits = bits_of(bitstring)
    decoded = problem.decode(bits)
    energy = problem.qubo.energy(bits)
    return Answer(
        solver=solver,
        bitstring=bitstring,
        energy=energy,
        feasible=decoded.feasible,
        summary=decoded.summary,
        seconds=round(seconds, 4),
    )


def quantum_run(
    problem: Problem,
    land: Landscape,
    tuned: QaoaProgram,
    exact: FloatArray | None,
    sampler: QaoaSampler,
    counts: dict[str, int],
    started: float,
) -> QuantumRun:
    """The record of one QAOA run; `exact` is the noiseless state's probabilities where a simulator gave them."""
    shots = sum(counts.values())
    best = min(counts, key=lambda key: problem.qubo.energy(bits_of(key)))
    optimal = {key for key in counts if problem.qubo.energy(bits_of(key)) <= land.lowest + 1e-9}
    hits = sum(counts[key] for key in optimal)
    expectation = land.expectation(exact) if exact is not None else _sampled_mean(problem, counts)
    stats = sampler.stats(tuned)
    return QuantumRun(
        backend=sampler.name,
        device=sampler.device,
        stand_in=sampler.stand_in,
        qubits=stats.qubits,
        two_qubit_gates=stats.two_qubit_gates,
        depth=stats.depth,
        compiled_for=stats.compiled_for,
        p=tuned.layers,
        shots=shots,
        gammas=list(tuned.gammas),
        betas=list(tuned.betas),
        tuning_evaluations=0,
        expectation=expectation,
        approximation_ratio=approximation_ratio(expectation, land.lowest, land.highest),
        optimum_probability=land.optimum_probability(exact) if exact is not None else hits / shots,
        optimum_probability_source="exact" if exact is not None else "sampled",
        optimum_hits_in_shots=hits,
        best_sample=sample_answer(problem, f"qaoa/{sampler.name}", best, time.perf_counter() - started),
        wall_seconds=round(time.perf_counter() - started, 3),
    )


def _sampled_mean(problem: Problem, counts: dict[str, int]) -> float:
    total = sum(counts.values())
    return sum(problem.qubo.energy(bits_of(key)) * n for key, n in counts.items()) / total


def random_baseline(problem: Problem, land: Landscape, shots: int, seed: int = 11) -> RandomBaseline:
    """Uniform random bitstrings with the same shot budget: the floor QAOA has to clear."""
    started = time.perf_counter()
    size = problem.qubo.size
    drawn = np.random.default_rng(seed).integers(0, 2**size, shots)
    best = int(drawn[land.energies[drawn].argmin()])
    share = float(land.optimal_mask().mean())
    return RandomBaseline(
        shots=shots,
        best_sample=sample_answer(
            problem, "uniform-random", index_bitstring(best, size), time.perf_counter() - started
        ),
        expected_approximation_ratio=approximation_ratio(land.mean, land.lowest, land.highest),
        optimum_probability=share,
        chance_to_hit_optimum_in_shots=1 - (1 - share) ** shots,
    )
