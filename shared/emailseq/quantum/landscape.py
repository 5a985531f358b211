"""Every bitstring's energy at once (numpy): exact expectations, the optimum set, the uniform-random baseline.

Index k of the vector is the bitstring whose character 0 (variable 0, qubit 0) is the most significant bit of k,
the order Braket reports probabilities in.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from emailseq.domain.optimisation.qubo import Qubo

BRUTE_FORCE_LIMIT = 22
TOLERANCE = 1e-9

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Landscape:
    energies: FloatArray

    @property
    def lowest(self) -> float:
        return float(self.energies.min())

    @property
    def highest(self) -> float:
        return float(self.energies.max())

    @property
    def mean(self) -> float:
        return float(self.energies.mean())

    def optimal_mask(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.energies <= self.lowest + TOLERANCE)

    def expectation(self, probabilities: FloatArray) -> float:
        return float(probabilities @ self.energies)

    def optimum_probability(self, probabilities: FloatArray) -> float:
        return float(probabilities[self.optimal_mask()].sum())


def landscape(qubo: Qubo) -> Landscape:
    n = qubo.size
    if n > BRUTE_FORCE_LIMIT:
        raise ValueError(f"{n} variables: enumerating 2^{n} states is past the {BRUTE_FORCE_LIMIT}-variable limit")
    index = np.arange(2**n, dtype=np.int64)
    bits = [((index >> (n - 1 - i)) & 1).astype(np.float64) for i in range(n)]
    energies = np.full(2**n, qubo.offset, dtype=np.float64)
    for i, coefficient in enumerate(qubo.linear):
        if coefficient:
            energies += coefficient * bits[i]
    for (a, b), weight in qubo.quadratic.items():
        energies += weight * bits[a] * bits[b]
    return Landscape(energies)


def index_bitstring(index: int, size: int) -> str:
    return format(index, f"0{size}b")
