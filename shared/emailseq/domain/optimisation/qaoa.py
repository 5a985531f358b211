"""A QAOA program, independent of any SDK: what every backend turns into its own circuit.

|+>^n, then p layers of exp(-i gamma H_C) (RZ for the fields, ZZ for the couplings) and exp(-i beta sum X) (RX).
H_C is the problem's Ising model divided by its largest coefficient, so the same angle grid suits any instance.
Angles are named `gamma_k` / `beta_k` and bound by name, never as a flat list (Qiskit sorts a flat list
alphabetically, which would silently swap them).
"""

from dataclasses import dataclass

from emailseq.domain.optimisation.qubo import Ising

LOCAL_QUBIT_LIMIT = 20
LOCAL_QUBIT_OVERRIDE = 22


@dataclass(frozen=True)
class QaoaProgram:
    h: list[float]
    j: dict[tuple[int, int], float]
    gammas: tuple[float, ...]
    betas: tuple[float, ...]

    @classmethod
    def from_ising(cls, ising: Ising, gammas: tuple[float, ...], betas: tuple[float, ...]) -> "QaoaProgram":
        if len(gammas) != len(betas) or not gammas:
            raise ValueError("QAOA needs one gamma and one beta per layer (p >= 1)")
        scale = ising.scale()
        return cls([v / scale for v in ising.h], {k: v / scale for k, v in ising.j.items()}, gammas, betas)

    @property
    def qubits(self) -> int:
        return len(self.h)

    @property
    def layers(self) -> int:
        return len(self.gammas)

    def bindings(self) -> dict[str, float]:
        named = {f"gamma_{k}": g for k, g in enumerate(self.gammas)}
        return named | {f"beta_{k}": b for k, b in enumerate(self.betas)}

    def with_angles(self, gammas: tuple[float, ...], betas: tuple[float, ...]) -> "QaoaProgram":
        return QaoaProgram(self.h, self.j, gammas, betas)


@dataclass(frozen=True)
class CircuitStats:
    qubits: int
    two_qubit_gates: int
    depth: int
    compiled_for: str


def check_local_size(qubits: int, allow_override: bool) -> None:
    """Refuse statevector simulation past the point where it stops being practical on one machine."""
    limit = LOCAL_QUBIT_OVERRIDE if allow_override else LOCAL_QUBIT_LIMIT
    if qubits > limit:
        hint = "" if allow_override else f" (up to {LOCAL_QUBIT_OVERRIDE} with --allow-large)"
        raise ValueError(
            f"{qubits} qubits is too many to simulate locally: the limit is {limit}{hint}; use fewer --variables "
            "or a remote device (braket:ARN or ibm:NAME)"
        )
