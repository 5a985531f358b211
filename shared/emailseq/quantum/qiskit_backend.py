"""IBM Qiskit Runtime: local testing mode (a fake backend's noise model on Aer) and, by name, a real backend.

Parameters are assigned by name (a flat list binds alphabetically: beta before gamma). The Aer simulator built
from the fake backend is cached: building it costs seconds. Counts come back with qubit 0 as the rightmost
character; they are reversed into variable order here.
"""

import functools
from typing import Any

import numpy as np

from emailseq.domain.optimisation.qaoa import CircuitStats, QaoaProgram
from emailseq.quantum.job_book import LocalJobs, remote_state
from emailseq.quantum.landscape import FloatArray

FAKE_BACKEND = "FakeBrisbane"


def build_circuit(program: QaoaProgram, measure: bool) -> Any:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    circuit = QuantumCircuit(program.qubits)
    circuit.h(range(program.qubits))
    for layer in range(program.layers):
        gamma, beta = Parameter(f"gamma_{layer}"), Parameter(f"beta_{layer}")
        for (a, b), weight in program.j.items():
            circuit.rzz(2 * weight * gamma, a, b)
        for qubit, field in enumerate(program.h):
            if field:
                circuit.rz(2 * field * gamma, qubit)
        circuit.rx(2 * beta, range(program.qubits))
    if measure:
        circuit.measure_all()
    return circuit


def bind(circuit: Any, program: QaoaProgram) -> Any:
    values = program.bindings()
    return circuit.assign_parameters({parameter: values[parameter.name] for parameter in circuit.parameters})


def variable_order(counts: dict[str, int]) -> dict[str, int]:
    return {key.replace(" ", "")[::-1]: value for key, value in counts.items()}


@functools.cache
def fake_simulator(name: str = FAKE_BACKEND) -> Any:
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import fake_provider

    fake = getattr(fake_provider, name, None)
    if fake is None or not name.startswith("Fake"):
        raise ValueError(f"'{name}' is not a qiskit-ibm-runtime fake backend (e.g. FakeBrisbane, FakeFez)")
    return AerSimulator.from_backend(fake())


class _Sampling:
    """Transpile once per program shape for a target, then bind by name and sample with SamplerV2."""

    def __init__(self) -> None:
        self._transpiled: dict[tuple[int, int, tuple[tuple[int, int], ...]], Any] = {}

    def isa_circuit(self, program: QaoaProgram, target: Any) -> Any:
        from qiskit import transpile

        key = (program.qubits, program.layers, tuple(sorted(program.j)))
        if key not in self._transpiled:
            circuit = build_circuit(program, measure=True)
            self._transpiled[key] = transpile(circuit, backend=target, optimization_level=1, seed_transpiler=7)
        return bind(self._transpiled[key], program)

    def stats_on(self, program: QaoaProgram, target: Any, label: str) -> CircuitStats:
        circuit = self.isa_circuit(program, target)
        return CircuitStats(program.qubits, circuit.num_nonlocal_gates(), circuit.depth(), label)


class IbmLocal(_Sampling, LocalJobs):
    name = "ibm-local"
    stand_in: str | None = (
        "Qiskit Runtime local testing mode: the fake backend's noise model simulated by Aer, not hardware"
    )

    def __init__(self, fake: str = FAKE_BACKEND) -> None:
        _Sampling.__init__(self)
        LocalJobs.__init__(self)
        self.fake = fake
        self.device = f"{fake} (qiskit-ibm-runtime fake backend on AerSimulator)"

    @property
    def _simulator(self) -> Any:
        return fake_simulator(self.fake)

    def probabilities(self, program: QaoaProgram) -> FloatArray:
        from qiskit.quantum_info import Statevector

        little_endian = Statevector(bind(build_circuit(program, measure=False), program)).probabilities()
        axes = list(reversed(range(program.qubits)))
        return np.asarray(little_endian.reshape([2] * program.qubits).transpose(axes).ravel(), dtype=np.float64)

    def submit(self, program: QaoaProgram, shots: int) -> str:
        from qiskit_ibm_runtime import SamplerV2

        job = SamplerV2(mode=self._simulator).run([self.isa_circuit(program, self._simulator)], shots=shots)
        return self.keep(variable_order(job.result()[0].data.meas.get_counts()))

    def stats(self, program: QaoaProgram) -> CircuitStats:
        return self.stats_on(program, self._simulator, f"transpiled for {self.device}")


class IbmBackend(_Sampling):
    """A real IBM backend by name; the saved Qiskit Runtime account (or its environment variables) is needed."""

    name = "ibm"
    stand_in: str | None = None

    def __init__(self, backend_name: str) -> None:
        super().__init__()
        self.device = backend_name

    @functools.cached_property
    def _service(self) -> Any:
        from qiskit_ibm_runtime import QiskitRuntimeService

        return QiskitRuntimeService()

    def submit(self, program: QaoaProgram, shots: int) -> str:
        from qiskit_ibm_runtime import SamplerV2

        backend = self._service.backend(self.device)
        job = SamplerV2(mode=backend).run([self.isa_circuit(program, backend)], shots=shots)
        return str(job.job_id())

    def status(self, job_id: str) -> str:
        return remote_state(str(self._service.job(job_id).status()), "DONE", ("ERROR", "CANCELLED"))

    def counts(self, job_id: str) -> dict[str, int]:
        return variable_order(self._service.job(job_id).result()[0].data.meas.get_counts())

    def stats(self, program: QaoaProgram) -> CircuitStats:
        return self.stats_on(program, self._service.backend(self.device), f"transpiled for {self.device}")
