"""The classifier head on the sentence embedding: multinomial logistic regression, weights in a small JSON file
(trained by bench/train_reply_head.py)."""

import json
from pathlib import Path
from typing import Any

import numpy as np

from emailseq.domain.replies import Sentiment


class SentimentHead:
    def __init__(self, path: Path) -> None:
        data: dict[str, Any] = json.loads(path.read_text())
        self.classes: list[Sentiment] = list(data["classes"])
        self._coef = np.array(data["coef"], dtype=np.float32)
        self._intercept = np.array(data["intercept"], dtype=np.float32)

    def predict(self, embeddings: np.ndarray[Any, np.dtype[np.float32]]) -> list[tuple[Sentiment, float]]:
        """The most likely class of each row, with its probability (softmax of the logits)."""
        logits = embeddings @ self._coef.T + self._intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        best = probabilities.argmax(axis=1)
        return [(self.classes[int(i)], float(probabilities[row, i])) for row, i in enumerate(best)]
