"""A tenant's key material: one data key per version, split by HKDF into the keys each purpose uses.

Deriving rather than storing separate keys means one wrapped secret per version, and a key used for encryption is
never also used as an HMAC key.
"""

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DATA_KEY_BYTES = 32


def derive(data_key: bytes, purpose: str, length: int = 32) -> bytes:
    if len(data_key) != DATA_KEY_BYTES:
        raise ValueError("a data key is 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"emailseq/{purpose}".encode()).derive(
        data_key
    )


@dataclass(frozen=True)
class TenantKeys:
    """The keys of one tenant's data-key `version`: `fields` encrypts, `index` is the blind index's HMAC key."""

    tenant_id: str
    version: int
    fields: bytes
    index: bytes

    @classmethod
    def from_data_key(cls, tenant_id: str, version: int, data_key: bytes) -> "TenantKeys":
        return cls(tenant_id, version, derive(data_key, "fields/v1"), derive(data_key, "blind-index/v1"))

    def __repr__(self) -> str:  # never print key bytes into a log
        return f"TenantKeys(tenant_id={self.tenant_id!r}, version={self.version})"
