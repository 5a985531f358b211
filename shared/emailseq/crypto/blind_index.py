"""The keyed blind index: an email address → HMAC-SHA256 under the tenant's index key.

Equal addresses give equal tokens (so a lookup is one GetItem), but without the key a token reveals nothing and
cannot be checked against a guessed address; two tenants' tokens for one address differ.
"""

import hashlib
import hmac


def normalise(email: str) -> str:
    """The form every address is indexed in (the API has already validated and lower-cased it)."""
    return email.strip().lower()


def blind_index(index_key: bytes, email: str) -> str:
    return hmac.new(index_key, normalise(email).encode(), hashlib.sha256).hexdigest()
