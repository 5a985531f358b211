"""Content recommendations: hit-rate@3 on held-out clicks of a simulated audience, against newest-first and
most-popular-first.

Data: bench/data/blog_posts.json, 48 short posts written for this bench (6 topics x 8; the topic label is for the
simulation only, the recommender sees title, summary and tags). Audience (seed 7): 600 contacts, each with a
primary topic (70 % of its clicks), a secondary one (20 %) and the rest spread thin; 8 clicks each on distinct
posts. Half the contacts carry an `interests` attribute, a short phrase about their primary topic (not taken from
the posts). The profile is built from each contact's first 4 clicks (and its interests) exactly as the product
builds it (emailseq.domain.ranking.profile_vector on the real MiniLM vectors); the last 4 clicks are held out.
A hit: at least one of the 3 recommended posts (already clicked ones left out, as in the product) is among the
held-out clicks.
"""

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emailseq.domain.content import MAX_BLOCKS_PER_COLLECTION, ContentBlock, ContentProfile, embedding_text
from emailseq.domain.ranking import profile_vector, rank
from emailseq.nlp.vectors import shipped_embedder

NOW = datetime(2026, 1, 5, tzinfo=UTC)
CONTACTS, CLICKS, SEED, TOP = 600, 8, 7, 3
INTERESTS = {
    "email": ["newsletters and email campaigns", "growing my mailing list", "email marketing"],
    "cooking": ["home cooking", "recipes and baking", "food"],
    "cycling": ["road cycling", "bikes and riding", "mountain biking"],
    "finance": ["personal finance", "saving and investing money", "budgeting"],
    "gardening": ["gardening", "growing plants and flowers", "allotment vegetables"],
    "software": ["programming", "software engineering", "web development in Python"],
}


@dataclass(frozen=True)
class Contact:
    interests: str | None
    seen: list[str]  # the clicks the profile is built from
    held_out: set[str]


def audience(topics: dict[str, list[str]], rng: random.Random) -> list[Contact]:
    names = sorted(topics)
    contacts = []
    for number in range(CONTACTS):
        primary, secondary = rng.sample(names, 2)
        weights = [0.7 if t == primary else 0.2 if t == secondary else 0.1 / (len(names) - 2) for t in names]
        clicks: list[str] = []
        while len(clicks) < CLICKS:
            post = rng.choice(topics[rng.choices(names, weights)[0]])
            if post not in clicks:
                clicks.append(post)
        interests = rng.choice(INTERESTS[primary]) if number % 2 == 0 else None
        contacts.append(Contact(interests, clicks[: CLICKS // 2], set(clicks[CLICKS // 2 :])))
    return contacts


class Methods:
    """The product's ranking (with and without interests) and the two baselines, over one set of embedded posts."""

    def __init__(self, blocks: list[ContentBlock], contacts: list[Contact], seeds: dict[str, bytes]) -> None:
        self.blocks, self._seeds = blocks, seeds
        self._by_id = {b.block_id: b for b in blocks}
        self._popularity = Counter(post for c in contacts for post in c.seen)

    def ours(self, contact: Contact, with_interests: bool = True) -> list[str]:
        seed = self._seeds[contact.interests] if with_interests and contact.interests else None
        vector = profile_vector(seed, [self._by_id[p].vector for p in contact.seen])
        return [b.block_id for b in rank(self.blocks, _profile(contact, vector), TOP)]

    def newest(self, contact: Contact) -> list[str]:
        return [b.block_id for b in rank(self.blocks, _profile(contact, None), TOP)]

    def popular(self, contact: Contact) -> list[str]:
        fresh = [b for b in self.blocks if b.block_id not in contact.seen]
        fresh.sort(key=lambda b: (self._popularity[b.block_id], b.updated_at), reverse=True)
        return [b.block_id for b in fresh[:TOP]]


def _profile(contact: Contact, vector: bytes | None) -> ContentProfile:
    return ContentProfile("bench", "c", vector, clicked=frozenset(f"blog/{p}" for p in contact.seen))


def main() -> None:
    posts = json.loads((Path(__file__).parent / "data" / "blog_posts.json").read_text())["posts"]
    topics: dict[str, list[str]] = {}
    for post in posts:
        topics.setdefault(post["topic"], []).append(post["id"])
    contacts = audience(topics, random.Random(SEED))
    embedder = shipped_embedder()
    embedder.embed(["warm-up"])  # the ONNX session loads once, outside the timings
    started = time.perf_counter()
    texts = [embedding_text(p["title"], p["summary"], tuple(p["tags"])) for p in posts]
    blocks = [_block(post, vector) for post, vector in zip(posts, embedder.embed(texts), strict=True)]
    embed_ms = (time.perf_counter() - started) * 1000
    phrases = sorted({c.interests for c in contacts if c.interests})
    methods = Methods(blocks, contacts, dict(zip(phrases, embedder.embed(phrases), strict=True)))
    print(f"content recommendations: {len(posts)} posts in {len(topics)} topics (bench/data/blog_posts.json),")
    print(f"  {CONTACTS} simulated contacts (seed {SEED}), {CLICKS} clicks each: profile from the first {CLICKS // 2},")
    print(f"  hit-rate@{TOP} on the held-out {CLICKS - CLICKS // 2}; half the contacts have an `interests` attribute")
    print(f"  MiniLM int8 embedded the {len(posts)} posts in {embed_ms:.0f} ms")
    started = time.perf_counter()
    _line("embedding: interests + clicks (the product)", contacts, methods.ours)
    rank_ms = (time.perf_counter() - started) * 1000 / len(contacts)
    with_interests = [c for c in contacts if c.interests]
    _line(f"  the same, on the {len(with_interests)} with interests", with_interests, methods.ours)
    _line("embedding: clicks only", contacts, lambda c: methods.ours(c, with_interests=False))
    _line("baseline: newest first", contacts, methods.newest)
    _line("baseline: most popular first", contacts, methods.popular)
    print(f"  pure-Python profile + ranking of {len(blocks)} blocks: {rank_ms:.2f} ms per contact")
    _time_full_collection(blocks)


def _time_full_collection(blocks: list[ContentBlock]) -> None:
    """What the sender pays at most: ranking a collection of MAX_BLOCKS_PER_COLLECTION blocks."""
    copies = MAX_BLOCKS_PER_COLLECTION // len(blocks) + 1
    full = [replace(b, block_id=f"{b.block_id}-{n}") for n in range(copies) for b in blocks][:MAX_BLOCKS_PER_COLLECTION]
    profile = ContentProfile("bench", "c", blocks[0].vector)
    started = time.perf_counter()
    for _ in range(20):
        rank(full, profile, TOP)
    per_email_ms = (time.perf_counter() - started) * 1000 / 20
    print(f"  ranking a full collection ({len(full)} blocks) in the sender: {per_email_ms:.1f} ms")


def _line(name: str, contacts: list[Contact], recommend: Callable[[Contact], list[str]]) -> None:
    found = [len(contact.held_out & set(recommend(contact))) for contact in contacts]
    hits = sum(1 for count in found if count)
    precision = sum(found) / (TOP * len(contacts))
    print(f"  {name:<46} hit-rate@{TOP} {hits / len(contacts):.3f}   precision@{TOP} {precision:.3f}")


def _block(post: dict[str, object], vector: bytes) -> ContentBlock:
    return ContentBlock(
        tenant_id="bench",
        collection="blog",
        block_id=str(post["id"]),
        title=str(post["title"]),
        url=f"https://example.com/blog/{post['id']}",
        summary=str(post["summary"]),
        tags=tuple(str(t) for t in post["tags"]),  # type: ignore[attr-defined]
        updated_at=NOW - timedelta(days=int(str(post["age_days"]))),
        vector=vector,
    )


if __name__ == "__main__":
    main()
