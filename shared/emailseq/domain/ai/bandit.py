"""Subject lines as a multi-armed bandit: Thompson sampling over opens (or clicks), with a floor of exploration.

Each arm's success rate has a Beta(1 + successes, 1 + failures) posterior. A send draws one rate per arm and takes
the arm with the highest draw; with probability `min_explore` it takes an arm uniformly instead, so no arm is
starved while the evidence is thin. The draws come from a generator seeded by (enrollment, step): the same
send, retried, with the same counts, picks the same arm (the caller also keeps the first choice it made).
"""

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

PROBABILITY_DRAWS = 4000


@dataclass(frozen=True)
class ArmStats:
    sends: int = 0
    successes: int = 0

    @property
    def rate(self) -> float:
        return self.successes / self.sends if self.sends else 0.0

    def draw(self, rng: random.Random) -> float:
        failures = max(self.sends - self.successes, 0)
        return rng.betavariate(1 + self.successes, 1 + failures)


def seeded(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def choose_arm(arms: Sequence[ArmStats], key: str, min_explore: float) -> int:
    """The arm (its index) for the send identified by `key`."""
    rng = seeded(key)
    if rng.random() < min_explore:
        return rng.randrange(len(arms))
    draws = [arm.draw(rng) for arm in arms]
    return max(range(len(arms)), key=lambda i: draws[i])


def probability_best(arms: Sequence[ArmStats], key: str = "report", draws: int = PROBABILITY_DRAWS) -> list[float]:
    """P(arm i has the highest true rate | the counts), by Monte Carlo over the posteriors (seeded: a report
    shows the same figures for the same counts)."""
    rng = seeded(key)
    wins = [0] * len(arms)
    for _ in range(draws):
        sample = [arm.draw(rng) for arm in arms]
        wins[max(range(len(arms)), key=lambda i: sample[i])] += 1
    return [count / draws for count in wins]
