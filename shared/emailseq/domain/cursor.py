"""Opaque pagination cursors: a DynamoDB LastEvaluatedKey (plain string values) as URL-safe base64 JSON.

A cursor is only ever good for the listing it came from: `decode` checks it names the same partition, so an
edited cursor cannot page through another tenant's items (it is a 422 naming `cursor`).
"""

import base64
import binascii
import json

from emailseq.domain.errors import InvalidInput


def encode(key: dict[str, str] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":"), sort_keys=True).encode()).decode()


def decode(cursor: str | None, partition: str, partition_attribute: str = "pk") -> dict[str, str] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor", "not a cursor this API gave out") from None
    valid = isinstance(key, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in key.items())
    if not valid or key.get(partition_attribute) != partition:
        raise InvalidInput("cursor", "not a cursor of this listing")
    return dict(key)
