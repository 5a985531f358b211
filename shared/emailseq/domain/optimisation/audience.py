"""The data the three problems are built from: a sequence's emails and the audiences they reach.

Names come from the sequence (its email step ids, then numbered extra campaigns until the instance has the size
asked for). Audience figures (contacts, overlaps, predicted clicks, covariates) are a seeded synthetic stand-in
derived from the sequence's content hash: the same sequence always gives the same instance. A tenant's measured
enrollment and click counts would plug in here through the same `Audience` shape.
"""

import random
from dataclasses import dataclass

TOPICS = ("onboarding", "product", "pricing", "education", "re-engagement")


@dataclass(frozen=True)
class Item:
    """An email, campaign, content block or audience cluster."""

    name: str
    contacts: int
    topic: str
    click_rate: float
    engaged_share: float


@dataclass(frozen=True)
class Audience:
    items: list[Item]
    overlap: dict[tuple[int, int], int]
    source: str

    def shared(self, i: int, j: int) -> int:
        return self.overlap.get((min(i, j), max(i, j)), 0)


def build_audience(sequence_id: str, fingerprint: str, email_ids: list[str], count: int) -> Audience:
    if count < 1:
        raise ValueError("an instance needs at least one item")
    rng = random.Random(f"{fingerprint}:{count}")
    names = email_ids[:count] + [f"{sequence_id}-extra-{n}" for n in range(1, count - len(email_ids) + 1)]
    items = [_item(rng, name) for name in names]
    overlap = {(i, j): _overlap(rng, items[i], items[j]) for i in range(count) for j in range(i + 1, count)}
    source = (
        f"names: sequence '{sequence_id}' ({min(len(email_ids), count)} email steps, "
        f"{max(0, count - len(email_ids))} numbered extras); audience figures: synthetic, seeded by its content hash"
    )
    return Audience(items=items, overlap={k: v for k, v in overlap.items() if v}, source=source)


def _item(rng: random.Random, name: str) -> Item:
    return Item(
        name=name,
        contacts=rng.randrange(200, 5000),
        topic=rng.choice(TOPICS),
        click_rate=round(rng.uniform(0.01, 0.08), 4),
        engaged_share=round(rng.uniform(0.1, 0.6), 3),
    )


def _overlap(rng: random.Random, a: Item, b: Item) -> int:
    # Emails on the same topic reach much the same people; otherwise a thinner, random share overlaps.
    share = rng.uniform(0.3, 0.7) if a.topic == b.topic else rng.uniform(0.0, 0.2)
    return int(share * min(a.contacts, b.contacts))
