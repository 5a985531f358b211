"""The result record's rules: size guard, angle names, approximation ratio, and which answer the product acts on."""

import pytest
from emailseq.domain.optimisation.qaoa import QaoaProgram, check_local_size
from emailseq.domain.optimisation.qubo import Ising
from emailseq.domain.optimisation.record import Answer, approximation_ratio, choose_answer


def answer(solver: str, energy: float, feasible: bool = True) -> Answer:
    return Answer(solver=solver, bitstring="01", energy=energy, feasible=feasible, summary={}, seconds=0.1)


def test_local_simulation_is_refused_past_20_qubits_and_22_with_the_override() -> None:
    # Given / When / Then 20 passes, 21 is refused with a message saying what to do, 22 passes only when allowed
    check_local_size(20, allow_override=False)
    with pytest.raises(ValueError, match=r"21 qubits is too many.*--allow-large"):
        check_local_size(21, allow_override=False)
    check_local_size(22, allow_override=True)
    with pytest.raises(ValueError, match="limit is 22"):
        check_local_size(23, allow_override=True)


def test_angles_are_bound_by_name_and_the_hamiltonian_is_normalised() -> None:
    # Given an Ising model whose largest coefficient is 4
    program = QaoaProgram.from_ising(Ising(h=[2.0, -4.0], j={(0, 1): 1.0}, offset=0.0), (0.3,), (0.7,))
    # Then the bindings name each angle and the coefficients are divided by 4
    assert program.bindings() == {"gamma_0": 0.3, "beta_0": 0.7}
    assert program.h == [0.5, -1.0]
    assert program.j == {(0, 1): 0.25}


def test_approximation_ratio_is_one_at_the_optimum_and_zero_at_the_worst() -> None:
    assert approximation_ratio(-5.0, -5.0, 3.0) == 1.0
    assert approximation_ratio(3.0, -5.0, 3.0) == 0.0
    assert approximation_ratio(-1.0, -5.0, 3.0) == pytest.approx(0.5)


def test_the_product_acts_on_the_classical_answer_unless_quantum_is_strictly_better_and_feasible() -> None:
    classical = answer("cp-sat", -10.0)
    assert choose_answer(classical, answer("qaoa/braket-local", -10.0)).solver == "cp-sat"
    assert choose_answer(classical, answer("qaoa/braket-local", -12.0, feasible=False)).solver == "cp-sat"
    assert choose_answer(classical, None).solver == "cp-sat"
    assert choose_answer(classical, answer("qaoa/braket-local", -12.0)).solver == "qaoa/braket-local"
