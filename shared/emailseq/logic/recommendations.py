"""Content recommendations: keeping each contact's content profile up to date from domain events (the recommender
function), and `recommend(collection, n)` for one email (the sender), which reads only when a template calls it.

The profile is recomputed from state, not incremented: unit(unit(interests) + mean(clicked blocks)) over the
*set* of clicked blocks. A redelivered event (same EventBridge id) or a second click on the same block leaves it
as it was, so processing is idempotent without a ledger of event ids.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from emailseq.domain.content import ContentBlock, ContentProfile, normalise_url
from emailseq.domain.errors import Conflict
from emailseq.domain.ports import ContentBlocks, ContentProfiles, TextEmbedder
from emailseq.domain.ranking import profile_vector, rank
from emailseq.rendering.recommend import checked, shown

_Change = Callable[[ContentProfile], ContentProfile]
_SAVE_ATTEMPTS = 3  # then the record fails and SQS redelivers it (another event for the contact won each race)


@dataclass(frozen=True)
class ContentSource:
    """What the sender reads to recommend: the collection's blocks and the contact's profile."""

    blocks: ContentBlocks
    profiles: ContentProfiles


@dataclass(frozen=True)
class ProfilePorts:
    blocks: ContentBlocks
    profiles: ContentProfiles
    embedder: TextEmbedder


def contact_enrolled(ports: ProfilePorts, tenant_id: str, contact_id: str) -> bool:
    """(Re)seed the profile from the contact's `interests`; True when the profile changed."""
    interests = ports.profiles.interests(tenant_id, contact_id)
    seed = ports.embedder.embed([interests])[0] if interests else None
    return _update(ports, tenant_id, contact_id, lambda profile: replace(profile, interests_vector=seed))


def link_clicked(ports: ProfilePorts, tenant_id: str, contact_id: str, url: str | None) -> bool:
    """Count a click on a link that is one of the tenant's blocks; True when the profile changed."""
    matched = ports.blocks.with_url(tenant_id, normalise_url(url)) if url else []
    if not matched:
        return False  # a link that is no content block (a call to action, the tenant's home page)
    keys = frozenset(block.key for block in matched)
    return _update(ports, tenant_id, contact_id, lambda profile: replace(profile, clicked=profile.clicked | keys))


def _update(ports: ProfilePorts, tenant_id: str, contact_id: str, change: _Change) -> bool:
    for _ in range(_SAVE_ATTEMPTS):
        before = ports.profiles.get(tenant_id, contact_id) or ContentProfile(tenant_id, contact_id, vector=None)
        after = change(before)
        if (after.interests_vector, after.clicked) == (before.interests_vector, before.clicked):
            return False  # nothing new: a redelivery, a block clicked before, no interests to seed from
        clicked_vectors = [block.vector for block in ports.blocks.many(tenant_id, sorted(after.clicked))]
        after = replace(after, vector=profile_vector(after.interests_vector, clicked_vectors))
        if ports.profiles.save(after):
            return True
    raise Conflict(f"content profile of contact {contact_id} kept changing; the event will be retried")


class ContactRecommendations:
    """`recommend(collection, n)` for one email to one contact. The first call reads the contact's profile (one
    GetItem) and each collection once (one Query); a template that never calls it reads nothing."""

    def __init__(self, source: ContentSource, tenant_id: str, contact_id: str) -> None:
        self._source = source
        self._tenant_id = tenant_id
        self._contact_id = contact_id
        self._collections: dict[str, list[ContentBlock]] = {}
        self._profile: tuple[ContentProfile | None] | None = None

    def __call__(self, collection: str, n: int) -> list[dict[str, str]]:
        collection, n = checked(collection, n)
        if collection not in self._collections:
            self._collections[collection] = self._source.blocks.collection(self._tenant_id, collection)
        if self._profile is None:
            self._profile = (self._source.profiles.get(self._tenant_id, self._contact_id),)
        return [shown(block) for block in rank(self._collections[collection], self._profile[0], n)]
