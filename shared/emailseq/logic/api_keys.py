"""Issue, list and revoke a tenant's API keys (the owner's business; the route checks the role)."""

from emailseq.domain.access import Role
from emailseq.domain.api_keys import ApiKeyRecord, new_api_key
from emailseq.domain.errors import NotFound
from emailseq.domain.ports import ApiKeyStore, Clock


def issue_api_key(store: ApiKeyStore, clock: Clock, tenant_id: str, role: Role, name: str) -> tuple[str, ApiKeyRecord]:
    """A new key: the plaintext goes back to the caller once; only its hash is stored."""
    key, record = new_api_key(tenant_id, role, name, clock.now())
    store.add(record)
    return key, record


def revoke_api_key(store: ApiKeyStore, tenant_id: str, key_id: str) -> None:
    if not store.revoke(tenant_id, key_id):
        raise NotFound("api key", key_id)
