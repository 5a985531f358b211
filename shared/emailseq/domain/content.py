"""Content blocks (a tenant's articles, products, … in named collections) and each contact's content profile.

A block's embedding is a 384-d unit vector kept as float32 bytes (little-endian); the domain never needs numpy:
cosine similarity of unit vectors is a dot product over `array('f')` (emailseq.domain.ranking).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

COLLECTION_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
BLOCK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
MAX_BLOCKS_PER_COLLECTION = 500  # a collection is read with one (paged) Query per email that recommends from it
MAX_RECOMMENDATIONS = 10
INTERESTS_ATTRIBUTE = "interests"  # the contact attribute whose text seeds the profile (free text or tags)


@dataclass(frozen=True)
class ContentBlock:
    tenant_id: str
    collection: str
    block_id: str
    title: str
    url: str
    summary: str
    tags: tuple[str, ...]
    updated_at: datetime
    vector: bytes  # float32 embedding of title + summary + tags, unit length

    @property
    def key(self) -> str:
        """How a contact's profile names the block (collection and id: block ids are unique per collection)."""
        return block_key(self.collection, self.block_id)


@dataclass(frozen=True)
class ContentProfile:
    """What a contact is interested in: the vector blocks are ranked by, and the blocks it already clicked."""

    tenant_id: str
    contact_id: str
    vector: bytes | None  # None until the contact has interests or a click on a known block
    interests_vector: bytes | None = None  # kept so a click recomputes the profile without embedding again
    clicked: frozenset[str] = field(default_factory=frozenset)  # block keys
    version: int = 0  # optimistic concurrency: a save succeeds only on the version it read


def block_key(collection: str, block_id: str) -> str:
    return f"{collection}/{block_id}"


def split_block_key(key: str) -> tuple[str, str]:
    collection, _, block_id = key.partition("/")
    return collection, block_id


def embedding_text(title: str, summary: str, tags: tuple[str, ...]) -> str:
    """What a block's embedding is computed from: the words a reader sees, and its tags."""
    parts = [title.strip(), summary.strip()]
    if tags:
        parts.append("Topics: " + ", ".join(tags))
    return "\n".join(part for part in parts if part)


def normalise_url(url: str) -> str:
    """A link as a click and a block both name it: scheme and host lower-cased, no query string (UTM tags,
    tracking ids), no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = re.sub(r"/+$", "", parts.path)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def is_valid_collection(name: str) -> bool:
    return re.fullmatch(COLLECTION_PATTERN, name) is not None
