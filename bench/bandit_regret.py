"""Subject-line bandit (Thompson sampling, 10 % exploration floor) vs a fixed 50/50 A/B test: regret.

Data: simulated recipients (seeded), two scenarios of true open rates per subject line; 10,000 sends per run, the
counts the bandit sees updated every 250 sends (opens arrive later than sends), 30 runs per scenario. Regret is
the opens lost against always sending the truly best subject: the sum over sends of (best rate - chosen arm's
rate), in expectation; the drawn opens are reported too. The arm choice is the product's (choose_arm with the
per-send key), the counts are kept as the ArmStore keeps them.
"""

import random
from statistics import fmean

from emailseq.domain.ai.bandit import ArmStats, choose_arm, probability_best

SENDS, BATCH, RUNS = 10_000, 250, 30
SCENARIOS = {"two subjects, 20 % vs 24 %": (0.20, 0.24), "three subjects, 18 / 20 / 23 %": (0.18, 0.20, 0.23)}


def run(truth: tuple[float, ...], seed: int, bandit: bool) -> tuple[float, int, float]:
    """(expected regret, opens drawn, P(best) of the truly best arm at the end) of one run."""
    rng = random.Random(seed)
    counts, seen = [[0, 0] for _ in truth], [ArmStats() for _ in truth]
    regret, opens, best = 0.0, 0, max(truth)
    for i in range(SENDS):
        if i % BATCH == 0:
            seen = [ArmStats(n, s) for n, s in counts]
        arm = choose_arm(seen, f"{seed}/{i}", 0.1) if bandit else i % len(truth)
        opened = rng.random() < truth[arm]
        counts[arm][0] += 1
        counts[arm][1] += opened
        regret += best - truth[arm]
        opens += opened
    final = probability_best([ArmStats(n, s) for n, s in counts], draws=2000)
    return regret, opens, final[truth.index(best)]


def main() -> None:
    print(f"bandit vs A/B: simulated recipients, {SENDS:,} sends per run, counts refreshed every {BATCH}, {RUNS} runs")
    for name, truth in SCENARIOS.items():
        print(f"  {name}")
        for label, bandit in (("fixed even split (A/B)", False), ("Thompson sampling", True)):
            results = [run(truth, seed, bandit) for seed in range(RUNS)]
            regret = fmean(r[0] for r in results)
            opens = fmean(r[1] for r in results)
            certainty = fmean(r[2] for r in results)
            print(
                f"    {label:<24} regret {regret:7.1f} opens  ({regret / SENDS:.2%} of sends)"
                f"  opens {opens:8.1f}  P(best arm is best) at the end {certainty:.3f}"
            )


if __name__ == "__main__":
    main()
