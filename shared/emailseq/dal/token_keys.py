"""The token key set from Secrets Manager, kept in a warm Lambda and read again so a rotation takes effect.

A token signed with a key this container has not seen (just rotated in) makes it re-read the secret, at most once
every REFRESH_SECONDS; and the set is re-read anyway once it is MAX_AGE_SECONDS old, so a retired key stops
verifying within that time without a redeploy.
"""

import time
from collections.abc import Callable
from typing import Any

from emailseq.auth import KeySet
from emailseq.dal.secrets import read_secret

MAX_AGE_SECONDS = 300.0
REFRESH_SECONDS = 10.0


class SecretsManagerKeyRing:
    def __init__(self, secretsmanager: Any, secret_id: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._secrets = secretsmanager
        self._secret_id = secret_id
        self._monotonic = monotonic
        self._loaded_at = 0.0
        self._keys = self._load()

    def key_for(self, kid: str) -> str | None:
        age = self._monotonic() - self._loaded_at
        if age > MAX_AGE_SECONDS or (kid not in self._keys.keys and age > REFRESH_SECONDS):
            self._keys = self._load()
        return self._keys.keys.get(kid)

    def _load(self) -> KeySet:
        self._loaded_at = self._monotonic()
        return KeySet.parse(read_secret(self._secrets, self._secret_id))


def write_key_set(secretsmanager: Any, secret_id: str, keys: KeySet) -> None:
    """Store a rotated (or pruned) key set as the secret's new version."""
    secretsmanager.put_secret_value(SecretId=secret_id, SecretString=keys.serialise())
