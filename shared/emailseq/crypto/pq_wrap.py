"""Post-quantum wrapping of a data key: hybrid HPKE (ML-KEM-768 + X25519, HKDF-SHA256, AES-256-GCM).

The key pair is derived from a 64-character secret (Secrets Manager generates it in AWS), so no key file has to be
made or shipped. HPKE here has no AAD argument: the tenant and key version are bound through `info` instead, so a
wrapped key moved to another tenant or version does not open.
"""

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SCHEME = "hpke-mlkem768-x25519"
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class UnwrapError(Exception):
    """The wrapped key does not open with this key pair and binding."""


def _info(tenant_id: str, version: int) -> bytes:
    return "\x1f".join(("emailseq", "data-key", tenant_id, str(version))).encode()


class HybridKeyWrapper:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the wrapping secret needs at least 32 characters")
        material = HKDF(algorithm=hashes.SHA512(), length=96, salt=None, info=b"emailseq/pq-wrap/v1").derive(
            secret.encode()
        )
        self._private = hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(material[:64]),
            x25519.X25519PrivateKey.from_private_bytes(material[64:]),
        )

    def wrap(self, key: bytes, tenant_id: str, version: int) -> bytes:
        return _SUITE.encrypt(key, self._private.public_key(), info=_info(tenant_id, version))

    def unwrap(self, wrapped: bytes, tenant_id: str, version: int) -> bytes:
        try:
            return _SUITE.decrypt(wrapped, self._private, info=_info(tenant_id, version))
        except (InvalidTag, ValueError) as error:
            raise UnwrapError(f"data key {tenant_id}/v{version} does not unwrap") from error
