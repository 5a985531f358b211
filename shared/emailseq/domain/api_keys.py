"""Server-to-server API keys: `esk_<tenant>_<64 hex>`, 256 random bits, kept only as their SHA-256.

A key that random needs no slow or keyed hash: nobody can search 2^256 candidates, so SHA-256 is enough and one
GetItem by hash finds it. The tenant in the key only says which partition to look in; it grants nothing, since the
hash of the whole key must be stored under that tenant.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from emailseq.domain.access import Role

PREFIX = "esk_"
_SECRET_HEX = 64
_SHAPE = re.compile(rf"esk_(?P<tenant>[A-Za-z0-9][A-Za-z0-9._-]{{0,63}})_[0-9a-f]{{{_SECRET_HEX}}}")


@dataclass(frozen=True)
class ApiKeyRecord:
    """What is stored for a key: never the key itself."""

    tenant_id: str
    key_hash: str
    role: Role
    name: str
    hint: str  # the key's first and last characters, so a person can tell keys apart
    created_at: datetime

    @property
    def key_id(self) -> str:
        return self.key_hash[:16]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key(tenant_id: str, role: Role, name: str, now: datetime) -> tuple[str, ApiKeyRecord]:
    """The key (shown to its owner once) and the record that is stored."""
    key = f"{PREFIX}{tenant_id}_{secrets.token_hex(_SECRET_HEX // 2)}"
    hint = f"{key[: len(PREFIX) + len(tenant_id) + 5]}…{key[-4:]}"
    return key, ApiKeyRecord(tenant_id, key_hash(key), role, name, hint, now)


def key_tenant(key: str) -> str | None:
    """The tenant a well-formed key names, or None for anything that is not one of our keys."""
    shape = _SHAPE.fullmatch(key)
    return shape.group("tenant") if shape else None
