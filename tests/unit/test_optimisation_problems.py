"""The three problems as QUBOs: brute force over the QUBO agrees with an independent search of the real objective."""

import itertools
import random

import pytest
from builders import email, sequence
from emailseq.domain.optimisation.audience import Audience, build_audience
from emailseq.domain.optimisation.problems import ab_balance, build_problem, content_blocks, send_waves
from emailseq.domain.optimisation.qubo import Qubo


def audience(count: int) -> Audience:
    return build_audience("demo-welcome", "f1ngerprint", ["welcome", "follow-up"], count)


def qubo_minimum(qubo: Qubo) -> tuple[float, list[tuple[int, ...]]]:
    energies = {bits: qubo.energy(bits) for bits in itertools.product((0, 1), repeat=qubo.size)}
    lowest = min(energies.values())
    return lowest, [bits for bits, e in energies.items() if e <= lowest + 1e-9]


def test_the_ising_form_has_the_same_energy_as_the_qubo_on_every_bitstring() -> None:
    # Given a random QUBO with an equality penalty
    rng = random.Random(3)
    qubo = Qubo(labels=[f"x{i}" for i in range(5)], offset=1.5)
    for i, j in itertools.combinations_with_replacement(range(5), 2):
        qubo.add(i, j, rng.uniform(-2, 2))
    qubo.add_squared({0: 1.0, 3: 2.0}, -2.0, 3.0)
    # When it is turned into spins (x = 1 is spin -1)
    ising = qubo.ising()
    # Then both forms agree everywhere
    for bits in itertools.product((0, 1), repeat=5):
        assert ising.energy([1 - 2 * x for x in bits]) == pytest.approx(qubo.energy(bits))


def test_send_waves_optimum_is_the_split_with_least_overlap_mailed_together() -> None:
    # Given 4 emails in 2 waves (8 one-hot variables)
    data = audience(4)
    problem = send_waves(data)
    # When the QUBO is minimised by brute force
    _, optima = qubo_minimum(problem.qubo)
    # Then every optimum is one-hot, and its same-wave overlap is the least over all wave assignments
    best = min(
        sum(s for (i, j), s in data.overlap.items() if plan[i] == plan[j])
        for plan in itertools.product(range(2), repeat=4)
    )
    for bits in optima:
        decoded = problem.decode(bits)
        assert decoded.feasible
        assert decoded.summary["overlap_in_same_wave"] == best


def test_content_blocks_optimum_chooses_exactly_k_blocks_with_the_most_net_clicks() -> None:
    # Given 7 blocks of which 2 are to be chosen
    data = audience(7)
    problem = content_blocks(data, choose=2)
    # When the QUBO is minimised
    _, optima = qubo_minimum(problem.qubo)

    # Then the optimum is the best feasible pair by net predicted clicks
    def net(pick: tuple[int, ...]) -> float:
        items = data.items
        gross = sum(items[i].contacts * items[i].click_rate for i in pick)
        lost = sum(
            data.shared(i, j) * min(items[i].click_rate, items[j].click_rate)
            for i, j in itertools.combinations(pick, 2)
        )
        return gross - lost

    best = max(itertools.combinations(range(7), 2), key=net)
    decoded = problem.decode(optima[0])
    assert decoded.feasible
    assert decoded.summary["predicted_clicks"] == pytest.approx(net(best), abs=0.1)


def test_an_infeasible_bitstring_costs_more_than_the_feasible_optimum() -> None:
    # Given content blocks with K = 2
    problem = content_blocks(audience(6), choose=2)
    lowest, _ = qubo_minimum(problem.qubo)
    # When every bitstring choosing a different number of blocks is scored / Then each is above the optimum
    for bits in itertools.product((0, 1), repeat=6):
        if sum(bits) != 2:
            assert not problem.decode(bits).feasible
            assert problem.qubo.energy(bits) > lowest


def test_ab_balance_optimum_minimises_size_and_engaged_gaps() -> None:
    # Given 8 audience clusters
    data = audience(8)
    problem = ab_balance(data, covariate_weight=2.0)
    lowest, optima = qubo_minimum(problem.qubo)

    # When the gaps are searched directly over every split (in thousands of contacts)
    def cost(arm_b: tuple[int, ...]) -> float:
        signs = [1 - 2 * x for x in arm_b]
        size = sum(s * item.contacts / 1000 for s, item in zip(signs, data.items, strict=True))
        engaged = sum(s * item.contacts * item.engaged_share / 1000 for s, item in zip(signs, data.items, strict=True))
        return size**2 + 2.0 * engaged**2

    # Then the QUBO's optimum energy is that least cost, and the split and its mirror are both optimal
    assert lowest == pytest.approx(min(cost(b) for b in itertools.product((0, 1), repeat=8)))
    mirror = tuple(1 - x for x in optima[0])
    assert mirror in optima


def test_a_problem_is_named_after_the_sequence_email_steps_and_sized_by_variables() -> None:
    # Given a sequence with two emails
    document = sequence(email("welcome"), email("tips"))
    # When send-waves is built for 10 variables
    problem = build_problem("send-waves", document, 10)
    # Then it has 5 emails x 2 waves, the sequence's steps first, and says where its figures come from
    assert problem.qubo.size == 10
    assert problem.qubo.labels[:4] == ["welcome@wave1", "welcome@wave2", "tips@wave1", "tips@wave2"]
    assert "synthetic" in problem.source
    # And the same sequence always gives the same instance
    assert build_problem("send-waves", document, 10).qubo == problem.qubo
