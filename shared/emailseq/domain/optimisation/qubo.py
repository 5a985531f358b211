"""A QUBO over binary variables: the one model every solver, classical or quantum, reads.

Energy(x) = offset + sum_i linear[i] x_i + sum_{i<j} quadratic[i, j] x_i x_j, lower is better. Bitstrings are
written in variable order: character i is variable i.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ising:
    """The same model in spins z = 1 - 2x (x = 1 is spin -1, i.e. the measured bit 1)."""

    h: list[float]
    j: dict[tuple[int, int], float]
    offset: float

    def energy(self, spins: Sequence[int]) -> float:
        single = sum(h * z for h, z in zip(self.h, spins, strict=True))
        return self.offset + single + sum(w * spins[a] * spins[b] for (a, b), w in self.j.items())

    def scale(self) -> float:
        """The largest coefficient: circuits divide by it so one angle range fits every instance."""
        return max([abs(v) for v in self.h] + [abs(v) for v in self.j.values()] + [1e-12])


@dataclass
class Qubo:
    labels: list[str]
    linear: list[float] = field(default_factory=list)
    quadratic: dict[tuple[int, int], float] = field(default_factory=dict)
    offset: float = 0.0

    def __post_init__(self) -> None:
        if not self.linear:
            self.linear = [0.0] * len(self.labels)

    @property
    def size(self) -> int:
        return len(self.labels)

    def add(self, i: int, j: int, value: float) -> None:
        """Add value * x_i * x_j (x_i * x_i is x_i for binaries)."""
        if i == j:
            self.linear[i] += value
            return
        key = (min(i, j), max(i, j))
        self.quadratic[key] = self.quadratic.get(key, 0.0) + value

    def add_squared(self, terms: Mapping[int, float], constant: float, weight: float) -> None:
        """Add weight * (constant + sum a_i x_i)^2: the penalty form of a linear equality constraint."""
        self.offset += weight * constant * constant
        items = sorted(terms.items())
        for position, (i, a) in enumerate(items):
            self.add(i, i, weight * (a * a + 2 * constant * a))
            for k, b in items[position + 1 :]:
                self.add(i, k, weight * 2 * a * b)

    def energy(self, bits: Sequence[int]) -> float:
        if len(bits) != self.size:
            raise ValueError(f"expected {self.size} bits, got {len(bits)}")
        single = sum(c for c, x in zip(self.linear, bits, strict=True) if x)
        return self.offset + single + sum(w for (a, b), w in self.quadratic.items() if bits[a] and bits[b])

    def ising(self) -> Ising:
        """Substitute x = (1 - z) / 2 term by term."""
        h = [-c / 2 for c in self.linear]
        offset = self.offset + sum(self.linear) / 2
        j: dict[tuple[int, int], float] = {}
        for (a, b), w in self.quadratic.items():
            j[(a, b)] = w / 4
            h[a] -= w / 4
            h[b] -= w / 4
            offset += w / 4
        return Ising(h=h, j={k: v for k, v in j.items() if v != 0.0}, offset=offset)


def bits_of(bitstring: str) -> list[int]:
    return [1 if c == "1" else 0 for c in bitstring]


def bitstring(bits: Iterable[int]) -> str:
    return "".join("1" if x else "0" for x in bits)
