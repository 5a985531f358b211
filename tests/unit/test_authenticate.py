"""The authorizer's decision: a JWT by its kid, or an API key found by its hash under the tenant it names."""

from datetime import UTC, datetime, timedelta

import pytest
from emailseq.auth import InvalidToken, KeySet, Role, mint_token
from emailseq.domain.api_keys import key_hash, key_tenant, new_api_key
from emailseq.logic.api_keys import issue_api_key, revoke_api_key
from emailseq.logic.authenticate import authenticate
from fakes import T0, FakeApiKeyStore, FakeClock

KEYS = KeySet(current="k1", keys={"k1": "unit-test-secret-" + "s" * 48})


class _Keys:
    def key_for(self, kid: str) -> str | None:
        return KEYS.keys.get(kid)


def test_a_jwt_is_verified_by_its_kid_without_touching_the_key_store() -> None:
    store = FakeApiKeyStore()
    token = mint_token(KEYS, "acme", Role.VIEWER, datetime.now(UTC), timedelta(hours=1))
    caller = authenticate(f"Bearer {token}", _Keys(), store)
    assert (caller.tenant_id, caller.role) == ("acme", Role.VIEWER)
    assert store.lookups == 0


def test_an_issued_api_key_authenticates_as_its_tenant_and_role_and_only_its_hash_is_stored() -> None:
    # Given an owner of acme issued an editor key
    store = FakeApiKeyStore()
    key, record = issue_api_key(store, FakeClock(T0), "acme", Role.EDITOR, "crm sync")
    # Then the key has the documented shape and nothing stored contains it
    assert key.startswith("esk_acme_")
    assert len(key) == len("esk_acme_") + 64
    assert key not in repr(store.records)
    assert record.key_hash == key_hash(key)
    assert record.hint.endswith(key[-4:])
    # When it is presented
    caller = authenticate(f"Bearer {key}", _Keys(), store)
    # Then it is acme's editor, found with one lookup
    assert (caller.tenant_id, caller.role, caller.subject) == ("acme", Role.EDITOR, f"key:{record.key_id}")
    assert store.lookups == 1


def test_a_revoked_key_is_refused() -> None:
    store = FakeApiKeyStore()
    key, record = issue_api_key(store, FakeClock(T0), "acme", Role.EDITOR, "crm sync")
    revoke_api_key(store, "acme", record.key_id)
    with pytest.raises(InvalidToken, match="unknown or revoked API key"):
        authenticate(f"Bearer {key}", _Keys(), store)


def test_a_key_relabelled_with_another_tenant_is_refused() -> None:
    # Given acme's key with its tenant part changed to globex: the hash is looked up under globex, not found
    store = FakeApiKeyStore()
    key, _ = issue_api_key(store, FakeClock(T0), "acme", Role.OWNER, "x")
    forged = key.replace("esk_acme_", "esk_globex_")
    with pytest.raises(InvalidToken, match="unknown or revoked"):
        authenticate(f"Bearer {forged}", _Keys(), store)


@pytest.mark.parametrize("key", ["esk_", "esk_acme_123", "esk_acme#x_" + "a" * 64, "esk_acme_" + "G" * 64])
def test_a_malformed_api_key_is_refused_without_a_lookup(key: str) -> None:
    store = FakeApiKeyStore()
    with pytest.raises(InvalidToken, match="malformed API key"):
        authenticate(f"Bearer {key}", _Keys(), store)
    assert store.lookups == 0


def test_two_keys_differ_and_each_names_its_tenant() -> None:
    first, _ = new_api_key("t-1", Role.EDITOR, "a", T0)
    second, _ = new_api_key("t-1", Role.EDITOR, "a", T0)
    assert first != second
    assert key_tenant(first) == key_tenant(second) == "t-1"
