"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime (int8 weights, no torch): tokenize, run, mean-pool over
the real tokens, L2-normalise, as sentence-transformers does for this model (its 1_Pooling config: mean)."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

MAX_TOKENS = 256  # the model was trained on up to 256 word pieces; a reply's first lines carry its intent


class MiniLmEmbedder:
    dimensions = 384

    def __init__(self, model: Path, tokenizer: Path) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # a Lambda has one or two vCPUs; extra threads only contend
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """One unit-length 384-d row per text."""
        encoded = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray[Any, np.dtype[np.float32]] = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit

    def embed_many(self, texts: Sequence[str], batch: int = 32) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Many texts, in batches (padding is per batch, so similar lengths run faster)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.vstack([self.embed(texts[start : start + batch]) for start in range(0, len(texts), batch)])
