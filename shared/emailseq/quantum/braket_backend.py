"""Amazon Braket: the local state-vector simulator (default) and, by ARN, a real device or managed simulator.

The circuit carries named FreeParameters (gamma_k, beta_k) and is bound by name. `AwsDevice(arn)` calls
GetDevice as it is constructed, so the device is only built when a remote run is actually submitted.
"""

from typing import Any

import numpy as np

from emailseq.domain.optimisation.qaoa import CircuitStats, QaoaProgram
from emailseq.quantum.job_book import LocalJobs, remote_state
from emailseq.quantum.landscape import FloatArray


def build_circuit(program: QaoaProgram) -> Any:
    from braket.circuits import Circuit, FreeParameter

    circuit = Circuit()
    for qubit in range(program.qubits):
        circuit.h(qubit)
    for layer in range(program.layers):
        gamma, beta = FreeParameter(f"gamma_{layer}"), FreeParameter(f"beta_{layer}")
        for (a, b), weight in program.j.items():
            circuit.zz(a, b, 2 * weight * gamma)
        for qubit, field in enumerate(program.h):
            if field:
                circuit.rz(qubit, 2 * field * gamma)
        for qubit in range(program.qubits):
            circuit.rx(qubit, 2 * beta)
    return circuit


def bound(program: QaoaProgram) -> Any:
    return build_circuit(program).make_bound_circuit(program.bindings(), strict=True)


def circuit_stats(program: QaoaProgram, compiled_for: str) -> CircuitStats:
    circuit = bound(program)
    pairs = sum(1 for instruction in circuit.instructions if len(instruction.target) == 2)
    return CircuitStats(program.qubits, pairs, circuit.depth, compiled_for)


class BraketLocal(LocalJobs):
    """`LocalSimulator()` (the default state-vector simulator): exact probabilities and sampled shots."""

    name = "braket-local"
    device = "braket LocalSimulator (default state vector)"
    stand_in: str | None = "local simulator: a noiseless classical simulation of the circuit, not quantum hardware"

    def __init__(self) -> None:
        from braket.devices import LocalSimulator

        super().__init__()
        self._simulator = LocalSimulator()

    def probabilities(self, program: QaoaProgram) -> FloatArray:
        circuit = bound(program)
        circuit.probability()
        values = self._simulator.run(circuit, shots=0).result().values[0]
        return np.asarray(values, dtype=np.float64)

    def submit(self, program: QaoaProgram, shots: int) -> str:
        result = self._simulator.run(bound(program), shots=shots).result()
        return self.keep(dict(result.measurement_counts))

    def stats(self, program: QaoaProgram) -> CircuitStats:
        return circuit_stats(program, "logical circuit (the simulator runs it as written)")


class BraketDevice:
    """A Braket device by ARN: one quantum task per run (submit, then poll by task ARN). Needs AWS credentials."""

    name = "braket"
    stand_in: str | None = None

    def __init__(self, arn: str) -> None:
        self.device = arn

    def submit(self, program: QaoaProgram, shots: int) -> str:
        from braket.aws import AwsDevice

        task = AwsDevice(self.device).run(bound(program), shots=shots)
        return str(task.id)

    def status(self, job_id: str) -> str:
        from braket.aws import AwsQuantumTask

        return remote_state(AwsQuantumTask(job_id).state(), "COMPLETED", ("FAILED", "CANCELLED"))

    def counts(self, job_id: str) -> dict[str, int]:
        from braket.aws import AwsQuantumTask

        return dict(AwsQuantumTask(job_id).result().measurement_counts)

    def stats(self, program: QaoaProgram) -> CircuitStats:
        return circuit_stats(program, "logical circuit (Braket compiles it for the device)")
