"""Who is calling: a bearer JWT (checked against the key its `kid` names) or a server-to-server API key."""

from emailseq.auth import InvalidToken, bearer, verify_token
from emailseq.domain.access import Principal
from emailseq.domain.api_keys import PREFIX, key_hash, key_tenant
from emailseq.domain.ports import ApiKeyStore, TokenKeys


def authenticate(authorization: str | None, keys: TokenKeys, api_keys: ApiKeyStore) -> Principal:
    """The verified caller, or InvalidToken with the reason."""
    credential = bearer(authorization)
    if not credential.startswith(PREFIX):
        return verify_token(keys.key_for, credential)
    tenant_id = key_tenant(credential)
    if tenant_id is None:
        raise InvalidToken(f"malformed API key: expected {PREFIX}<tenant>_<64 hex digits>")
    record = api_keys.find(tenant_id, key_hash(credential))
    if record is None:
        raise InvalidToken("unknown or revoked API key")
    return Principal(tenant_id=tenant_id, role=record.role, subject=f"key:{record.key_id}")
