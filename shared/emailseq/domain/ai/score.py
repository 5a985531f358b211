"""The engagement / churn score: a logistic model over features of a contact's engagement history.

Scoring is pure Python from exported coefficients (standardised features, weights, intercept) so the functions
that branch on a score need no numerical library; the model is fitted by the scheduled trainer and stored as
JSON. Features are what the compact engagement profile keeps (see EngagementProfile).
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FEATURES = (
    "log_sends",
    "open_rate",
    "click_rate",
    "days_since_open",
    "days_since_click",
    "days_since_send",
    "never_opened",
)
_NEVER_DAYS = 365.0  # a contact that never opened counts as a year since its last open


@dataclass(frozen=True)
class EngagementProfile:
    sends: int = 0
    opens: int = 0
    clicks: int = 0
    last_sent_at: datetime | None = None
    last_opened_at: datetime | None = None
    last_clicked_at: datetime | None = None


def features(profile: EngagementProfile, now: datetime) -> list[float]:
    sends = max(profile.sends, 0)
    return [
        math.log1p(sends),
        profile.opens / sends if sends else 0.0,
        profile.clicks / sends if sends else 0.0,
        _days(profile.last_opened_at, now),
        _days(profile.last_clicked_at, now),
        _days(profile.last_sent_at, now),
        1.0 if profile.opens == 0 else 0.0,
    ]


def _days(moment: datetime | None, now: datetime) -> float:
    return _NEVER_DAYS if moment is None else min(max((now - moment).total_seconds() / 86_400, 0.0), _NEVER_DAYS)


@dataclass(frozen=True)
class ScoreModel:
    """P(churn) = sigmoid(intercept + sum(w_i * (x_i - mean_i) / scale_i)); `engagement` = 1 - P(churn)."""

    weights: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    auc: float | None = None  # measured on the trainer's held-out split
    trained_on: int = 0

    def churn(self, values: list[float]) -> float:
        z = self.intercept + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, values, self.means, self.scales, strict=True)
        )
        return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "means": list(self.means),
            "scales": list(self.scales),
            "auc": self.auc,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScoreModel":
        if list(data["features"]) != list(FEATURES):
            raise ValueError("the stored model was trained on other features: train again")
        return cls(
            tuple(data["weights"]),
            float(data["intercept"]),
            tuple(data["means"]),
            tuple(data["scales"]),
            data.get("auc"),
            int(data.get("trained_on", 0)),
        )


def auc(labels: list[int], scores: list[float]) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative), ties counted half."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both classes")
    rank_sum, index = 0.0, 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        mid_rank = (index + 1 + end) / 2
        rank_sum += mid_rank * sum(label for _, label in ranked[index:end])
        index = end
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
