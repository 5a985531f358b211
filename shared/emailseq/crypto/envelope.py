"""One encrypted field as stored: a versioned, self-describing record sealed with AES-256-GCM.

`{"v": 1, "k": <key version>, "n": <12-byte nonce>, "c": <ciphertext + tag>}`. The AAD binds the record to its
tenant, contact and field name (and the key version), so a ciphertext copied onto another contact or into another
field fails to decrypt instead of showing the wrong person's data.
"""

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from emailseq.crypto.keys import TenantKeys

FORMAT_VERSION = 1
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored field could not be opened: tampered, moved to another contact or field, or the wrong key."""


def _aad(tenant_id: str, contact_id: str, field: str, key_version: int) -> bytes:
    return "\x1f".join(("emailseq", str(FORMAT_VERSION), tenant_id, contact_id, field, str(key_version))).encode()


def seal(keys: TenantKeys, contact_id: str, field: str, plaintext: str) -> dict[str, Any]:
    nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonces: safe far beyond 2^32 messages per key
    aad = _aad(keys.tenant_id, contact_id, field, keys.version)
    sealed = AESGCM(keys.fields).encrypt(nonce, plaintext.encode(), aad)
    return {"v": FORMAT_VERSION, "k": keys.version, "n": nonce, "c": sealed}


def key_version(record: dict[str, Any]) -> int:
    """Which of the tenant's data keys opens this record (read before fetching the key)."""
    if record.get("v") != FORMAT_VERSION:
        raise DecryptionError(f"unknown record format {record.get('v')!r}")
    return int(record["k"])


def open_sealed(keys: TenantKeys, contact_id: str, field: str, record: dict[str, Any]) -> str:
    if key_version(record) != keys.version:
        raise DecryptionError("record sealed under another key version")
    aad = _aad(keys.tenant_id, contact_id, field, keys.version)
    try:
        return AESGCM(keys.fields).decrypt(bytes(record["n"]), bytes(record["c"]), aad).decode()
    except (InvalidTag, KeyError, ValueError) as error:
        raise DecryptionError(f"field {field!r} of contact {contact_id} does not open") from error
