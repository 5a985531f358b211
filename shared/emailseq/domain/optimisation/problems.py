"""The three optimisation problems, each built as one QUBO from a sequence's audience data.

Weights are in thousands of contacts (send-waves, ab-balance) or hundreds of predicted clicks (content-blocks), so
penalties and objectives stay within a few orders of magnitude of each other.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from emailseq.domain.optimisation.audience import Audience, build_audience
from emailseq.domain.optimisation.qubo import Qubo
from emailseq.domain.sequence import SequenceDocument

ProblemKind = Literal["send-waves", "content-blocks", "ab-balance"]
PROBLEMS: tuple[ProblemKind, ...] = ("send-waves", "content-blocks", "ab-balance")
WAVES = 2


@dataclass(frozen=True)
class Decoded:
    """What a bitstring means for the product, and whether it satisfies the problem's constraint."""

    feasible: bool
    summary: dict[str, Any]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    qubo: Qubo
    decode: Callable[[Sequence[int]], Decoded]
    parameters: dict[str, Any]
    # sum of x_i over the indices == the count: the hard form of the penalties, for solvers that take constraints.
    equalities: tuple[tuple[tuple[int, ...], int], ...] = ()
    source: str = ""


def items_for(kind: ProblemKind, variables: int) -> int:
    """How many emails/blocks/clusters make an instance of about `variables` binary variables."""
    return max(1, variables // WAVES) if kind == "send-waves" else variables


def send_waves(audience: Audience, waves: int = WAVES) -> Problem:
    """Weighted Max-Cut over k waves, one-hot: x[i, w] = 1 when email i goes in wave w."""
    items = audience.items
    labels = [f"{item.name}@wave{w + 1}" for item in items for w in range(waves)]
    qubo = Qubo(labels=labels)
    count = len(items)
    for (i, j), shared in audience.overlap.items():
        for w in range(waves):
            qubo.add(i * waves + w, j * waves + w, shared / 1000)
    heaviest = max([sum(audience.shared(i, j) for j in range(count) if j != i) / 1000 for i in range(count)])
    penalty = 1.0 + heaviest
    for i in range(count):
        qubo.add_squared({i * waves + w: 1.0 for w in range(waves)}, -1.0, penalty)

    def decode(bits: Sequence[int]) -> Decoded:
        chosen = [[w for w in range(waves) if bits[i * waves + w]] for i in range(count)]
        feasible = all(len(c) == 1 for c in chosen)
        plan = {f"wave{w + 1}": [items[i].name for i in range(count) if w in chosen[i]] for w in range(waves)}
        together = sum(s for (i, j), s in audience.overlap.items() if set(chosen[i]) & set(chosen[j]))
        return Decoded(feasible, {"waves": plan, "overlap_in_same_wave": together})

    one_hot = tuple((tuple(range(i * waves, (i + 1) * waves)), 1) for i in range(count))
    parameters = {"emails": count, "waves": waves, "penalty": penalty}
    return Problem("send-waves", qubo, decode, parameters, one_hot)


def content_blocks(audience: Audience, choose: int | None = None) -> Problem:
    """Choose exactly K blocks maximising predicted clicks minus clicks double-counted on shared contacts."""
    items = audience.items
    count = len(items)
    k = choose if choose is not None else max(1, count // 3)
    value = [item.contacts * item.click_rate / 100 for item in items]
    redundancy = {
        (i, j): shared * min(items[i].click_rate, items[j].click_rate) / 100
        for (i, j), shared in audience.overlap.items()
    }
    qubo = Qubo(labels=[item.name for item in items])
    for i in range(count):
        qubo.add(i, i, -value[i])
    for (i, j), r in redundancy.items():
        qubo.add(i, j, r)
    penalty = 1.0 + max(value[i] + sum(r for pair, r in redundancy.items() if i in pair) for i in range(count))
    qubo.add_squared(dict.fromkeys(range(count), 1.0), -float(k), penalty)

    def decode(bits: Sequence[int]) -> Decoded:
        picked = [i for i in range(count) if bits[i]]
        clicks = sum(value[i] for i in picked) * 100
        lost = sum(r for (i, j), r in redundancy.items() if bits[i] and bits[j]) * 100
        summary = {"chosen": [items[i].name for i in picked], "predicted_clicks": round(clicks - lost, 1)}
        return Decoded(len(picked) == k, summary)

    parameters = {"blocks": count, "choose": k, "penalty": penalty}
    return Problem("content-blocks", qubo, decode, parameters, ((tuple(range(count)), k),))


def ab_balance(audience: Audience, covariate_weight: float = 2.0) -> Problem:
    """Number partitioning with a covariate: minimise size gap^2 + w * engaged gap^2 between the two arms."""
    items = audience.items
    count = len(items)
    sizes = [item.contacts / 1000 for item in items]
    engaged = [item.contacts * item.engaged_share / 1000 for item in items]
    qubo = Qubo(labels=[f"{item.name}@arm-b" for item in items])
    # gap = sum s_i z_i with z_i = 1 - 2 x_i (x_i = 1 puts cluster i in arm B).
    qubo.add_squared({i: -2 * sizes[i] for i in range(count)}, sum(sizes), 1.0)
    qubo.add_squared({i: -2 * engaged[i] for i in range(count)}, sum(engaged), covariate_weight)

    def decode(bits: Sequence[int]) -> Decoded:
        arms = {arm: [items[i].name for i in range(count) if bits[i] == side] for arm, side in (("a", 0), ("b", 1))}
        size_gap = sum(item.contacts * (1 - 2 * x) for item, x in zip(items, bits, strict=True))
        engaged_gap = sum(e * 1000 * (1 - 2 * x) for e, x in zip(engaged, bits, strict=True))
        return Decoded(True, {"arms": arms, "size_gap": abs(size_gap), "engaged_gap": round(abs(engaged_gap), 1)})

    return Problem("ab-balance", qubo, decode, {"clusters": count, "covariate_weight": covariate_weight})


BUILDERS: dict[ProblemKind, Callable[[Audience], Problem]] = {
    "send-waves": send_waves,
    "content-blocks": content_blocks,
    "ab-balance": ab_balance,
}


def build_problem(kind: ProblemKind, document: SequenceDocument, variables: int) -> Problem:
    """The problem for a sequence, sized to about `variables` binary variables (= qubits)."""
    emails = [step.id for step in document.email_steps() if step.id is not None]
    audience = build_audience(document.id, document.fingerprint, emails, items_for(kind, variables))
    return replace(BUILDERS[kind](audience), source=audience.source)
