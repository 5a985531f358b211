"""Checkpoint signatures: Ed25519 beside ML-DSA-65 (FIPS 204), both required to verify.

ML-DSA-65 keeps the log verifiable if Ed25519 ever falls to a quantum computer; Ed25519 keeps it verifiable by
tools that know nothing newer. Both keys are derived from one secret (HKDF), so the deployment stores a single
secret and the verifier needs only the two public keys.
"""

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from emailseq.audit.chain import Checkpoint, checkpoint_message

ALGORITHMS = ("ed25519", "ml-dsa-65")


def _seed(secret: str, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"emailseq-audit", info=purpose.encode())
    return hkdf.derive(secret.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class CheckpointSigner:
    def __init__(self, secret: str) -> None:
        self._ed25519 = ed25519.Ed25519PrivateKey.from_private_bytes(_seed(secret, "ed25519"))
        self._mldsa = mldsa.MLDSA65PrivateKey.from_seed_bytes(_seed(secret, "ml-dsa-65"))

    def sign(self, tenant_id: str, seq: int, chain_hash: str) -> Checkpoint:
        message = checkpoint_message(tenant_id, seq, chain_hash)
        signatures = {"ed25519": _b64(self._ed25519.sign(message)), "ml-dsa-65": _b64(self._mldsa.sign(message))}
        return Checkpoint(tenant_id, seq, chain_hash, signatures)

    def public_keys(self) -> dict[str, str]:
        raw = (Encoding.Raw, PublicFormat.Raw)
        return {
            "ed25519": _b64(self._ed25519.public_key().public_bytes(*raw)),
            "ml-dsa-65": _b64(self._mldsa.public_key().public_bytes(*raw)),
        }


class CheckpointVerifier:
    def __init__(self, public_keys: dict[str, str]) -> None:
        self._ed25519 = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public_keys["ed25519"]))
        self._mldsa = mldsa.MLDSA65PublicKey.from_public_bytes(base64.b64decode(public_keys["ml-dsa-65"]))

    def __call__(self, checkpoint: Checkpoint) -> bool:
        message = checkpoint_message(checkpoint.tenant_id, checkpoint.seq, checkpoint.hash)
        try:
            self._ed25519.verify(base64.b64decode(checkpoint.signatures["ed25519"]), message)
            self._mldsa.verify(base64.b64decode(checkpoint.signatures["ml-dsa-65"]), message)
        except (InvalidSignature, KeyError, ValueError):
            return False
        return True
