"""Fitting the churn model without a numerical library: L2-regularised logistic regression by Newton's method.

Seven standardised features and a few thousand contacts make an 8x8 system per iteration, so the scheduled
trainer needs no scikit-learn in its Lambda layer (sklearn + scipy + numpy would not fit beside the dependency
layer's 250 MB). bench/churn_auc.py fits the same split with scikit-learn's LogisticRegression and prints both.
"""

import math
from collections.abc import Sequence
from statistics import fmean, pstdev

from emailseq.domain.ai.score import ScoreModel

_ITERATIONS = 25
_L2 = 1.0  # the same penalty as scikit-learn's default C=1.0


def standardise(rows: Sequence[Sequence[float]]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    columns = list(zip(*rows, strict=True))
    means = tuple(fmean(column) for column in columns)
    scales = tuple(pstdev(column) or 1.0 for column in columns)
    return means, scales


def fit_logistic(rows: Sequence[Sequence[float]], labels: Sequence[int]) -> ScoreModel:
    """Weights that maximise the penalised likelihood (the intercept is not penalised)."""
    means, scales = standardise(rows)
    design = [[1.0, *((x - m) / s for x, m, s in zip(row, means, scales, strict=True))] for row in rows]
    beta = [0.0] * len(design[0])
    for _ in range(_ITERATIONS):
        gradient, hessian = _derivatives(design, labels, beta)
        step = _solve(hessian, gradient)
        beta = [b - d for b, d in zip(beta, step, strict=True)]
        if max(abs(d) for d in step) < 1e-8:
            break
    return ScoreModel(tuple(beta[1:]), beta[0], means, scales, trained_on=len(rows))


def _derivatives(
    design: list[list[float]], labels: Sequence[int], beta: list[float]
) -> tuple[list[float], list[list[float]]]:
    size = len(beta)
    gradient = [_L2 * b if i else 0.0 for i, b in enumerate(beta)]
    hessian = [[_L2 if i == j and i else 0.0 for j in range(size)] for i in range(size)]
    for x, y in zip(design, labels, strict=True):
        z = sum(b * v for b, v in zip(beta, x, strict=True))
        p = 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))
        weight = p * (1 - p)
        for i in range(size):
            gradient[i] += (p - y) * x[i]
            for j in range(i + 1):
                hessian[i][j] += weight * x[i] * x[j]
    for i in range(size):
        for j in range(i):
            hessian[j][i] = hessian[i][j]
    return gradient, hessian


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is positive definite thanks to the penalty)."""
    size = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, size):
            factor = rows[r][col] / rows[col][col]
            rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    solution = [0.0] * size
    for r in reversed(range(size)):
        solution[r] = (rows[r][size] - sum(rows[r][c] * solution[c] for c in range(r + 1, size))) / rows[r][r]
    return solution
