"""The result record every quantum job returns: the classical answer always beside the quantum one.

Approximation ratio = (E_max - E) / (E_max - E_min) over every bitstring: 1 is the optimum, 0 the worst, and
uniform random guessing scores (E_max - mean E) / (E_max - E_min). It is defined whatever the energies' signs.
"""

from typing import Any, Literal

from pydantic import BaseModel


class Answer(BaseModel):
    solver: str
    bitstring: str
    energy: float
    feasible: bool
    summary: dict[str, Any]
    seconds: float


class QuantumRun(BaseModel):
    backend: str
    device: str
    stand_in: str | None
    qubits: int
    two_qubit_gates: int
    depth: int
    compiled_for: str
    p: int
    shots: int
    gammas: list[float]
    betas: list[float]
    tuning_evaluations: int
    expectation: float
    approximation_ratio: float
    optimum_probability: float
    optimum_probability_source: Literal["exact", "sampled"]
    optimum_hits_in_shots: int
    best_sample: Answer
    wall_seconds: float


class RandomBaseline(BaseModel):
    shots: int
    best_sample: Answer
    expected_approximation_ratio: float
    optimum_probability: float
    chance_to_hit_optimum_in_shots: float


class ActedOn(BaseModel):
    solver: str
    reason: str


class QuantumResult(BaseModel):
    problem: str
    variables: int
    data_source: str
    parameters: dict[str, Any]
    energy_range: tuple[float, float]
    classical: list[Answer]
    classical_optimum: Answer
    quantum: QuantumRun | None
    quantum_status: str
    random_sampling: RandomBaseline | None
    acted_on: ActedOn


def approximation_ratio(energy: float, lowest: float, highest: float) -> float:
    if highest - lowest <= 1e-12:
        return 1.0
    return (highest - energy) / (highest - lowest)


def choose_answer(classical: Answer, quantum: Answer | None) -> ActedOn:
    """Act on the best feasible answer; on a tie the classical one (cheaper, reproducible, already in hand)."""
    if quantum is not None and quantum.feasible and quantum.energy < classical.energy - 1e-9:
        return ActedOn(solver=quantum.solver, reason="the quantum sample beat every classical solver")
    if quantum is None:
        return ActedOn(solver=classical.solver, reason="no quantum result (yet): the classical optimum stands")
    return ActedOn(
        solver=classical.solver,
        reason="the classical optimum is at least as good as the best quantum sample, and found faster",
    )
