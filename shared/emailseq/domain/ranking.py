"""Ranking content blocks for one contact, in pure Python (the sender has no numpy).

Every vector is float32 of unit length, so cosine similarity is their dot product. A contact's profile vector is
the unit-length sum of its interests' embedding (itself unit length) and the mean of the blocks it clicked: the
interests and the clicks weigh about the same, however many clicks there are.

Ties, and a contact without a profile yet, fall back to the newest blocks first (`updated_at`, then the block id
for a stable order): a new contact gets what is fresh, which is what a newsletter would show it anyway.
"""

import math
import operator
from array import array
from collections.abc import Iterable, Sequence

from emailseq.domain.content import ContentBlock, ContentProfile

_TIE_DIGITS = 6  # int8 weights: scores equal to 6 decimals are the same score


def as_vector(data: bytes) -> array[float]:
    vector = array("f")
    vector.frombytes(data)
    return vector


def as_bytes(vector: Sequence[float]) -> bytes:
    return array("f", vector).tobytes()


def dot(left: array[float], right: array[float]) -> float:
    if len(left) != len(right):
        raise ValueError(f"vectors of {len(left)} and {len(right)} dimensions")
    return float(sum(map(operator.mul, left, right)))  # 384 products in float64: 30 µs, no precision worry


def unit(vector: Sequence[float]) -> array[float] | None:
    """The vector scaled to length 1; None for a zero vector (nothing to point at)."""
    norm = math.sqrt(math.fsum(v * v for v in vector))
    return array("f", (v / norm for v in vector)) if norm > 1e-12 else None


def mean(vectors: Sequence[array[float]]) -> array[float] | None:
    if not vectors:
        return None
    sums = [math.fsum(column) for column in zip(*vectors, strict=True)]
    return array("f", (total / len(vectors) for total in sums))


def profile_vector(interests: bytes | None, clicked: Iterable[bytes]) -> bytes | None:
    """unit(unit(interests) + mean(clicked blocks)); None when there is neither."""
    parts: list[array[float]] = []
    if interests is not None and (seed := unit(as_vector(interests))) is not None:
        parts.append(seed)
    if (clicks := mean([as_vector(data) for data in clicked])) is not None:
        parts.append(clicks)
    if not parts:
        return None
    combined = unit([math.fsum(column) for column in zip(*parts, strict=True)])
    return combined.tobytes() if combined is not None else None


def rank(blocks: Sequence[ContentBlock], profile: ContentProfile | None, n: int) -> list[ContentBlock]:
    """The n blocks most similar to the profile, already clicked ones left out; newest first on ties."""
    clicked = profile.clicked if profile is not None else frozenset()
    fresh = [block for block in blocks if block.key not in clicked]
    newest_first = sorted(fresh, key=lambda b: (b.updated_at, b.block_id), reverse=True)
    if profile is None or profile.vector is None:
        return newest_first[:n]
    target = as_vector(profile.vector)
    # sorted() is stable: among equal scores the newest-first order above stays.
    scored = sorted(newest_first, key=lambda b: -round(dot(target, as_vector(b.vector)), _TIE_DIGITS))
    return scored[:n]
