"""Solvers for the optimisation problems: classical baselines and QAOA on Braket / Qiskit (the `quantum` extra)."""
