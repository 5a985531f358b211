"""`recommend(collection, n)` in templates: what it accepts, what a template gets back, and the sample list that
sequence checks and previews render against.

    {% for b in recommend('blog', 3) %}<a href="{{ b.url }}">{{ b.title }}</a>{% endfor %}

The links are plain links in the rendered HTML, so the sender's tracking rewrites them like any other.
"""

from collections.abc import Callable

from emailseq.domain.content import COLLECTION_PATTERN, MAX_RECOMMENDATIONS, ContentBlock, is_valid_collection

# (collection, n) → up to n blocks as {id, title, url, summary}
Recommend = Callable[[str, int], list[dict[str, str]]]


class RecommendError(ValueError):
    """A template called recommend() wrongly; the message says how to call it."""


def checked(collection: object, n: object) -> tuple[str, int]:
    if not isinstance(collection, str) or not is_valid_collection(collection):
        raise RecommendError(
            f"recommend(collection, n): collection must match {COLLECTION_PATTERN}, got {collection!r}"
        )
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_RECOMMENDATIONS:
        raise RecommendError(
            f"recommend(collection, n): n must be a whole number from 1 to {MAX_RECOMMENDATIONS}, got {n!r}"
        )
    return collection, n


def shown(block: ContentBlock) -> dict[str, str]:
    """What a template sees of a block (its vector and tenant stay out of reach)."""
    return {"id": block.block_id, "title": block.title, "url": block.url, "summary": block.summary}


def sample_recommend(collection: str, n: int) -> list[dict[str, str]]:
    """n deterministic sample blocks: sequence checks and previews render with these (no tenant data read)."""
    collection, n = checked(collection, n)
    return [
        {
            "id": f"sample-{number}",
            "title": f"Sample {collection} item {number}",
            "url": f"https://example.com/{collection}/sample-{number}",
            "summary": f"A sample summary of {collection} item {number}.",
        }
        for number in range(1, n + 1)
    ]


def no_recommendations(collection: str, n: int) -> list[dict[str, str]]:
    """Where no content store is configured: the call is still checked, the loop renders nothing."""
    checked(collection, n)
    return []
