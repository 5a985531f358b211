"""The crypto of contacts at rest: sealed fields, the keyed blind index, post-quantum key wrapping."""

import os

import pytest
from emailseq.crypto.blind_index import blind_index
from emailseq.crypto.envelope import DecryptionError, key_version, open_sealed, seal
from emailseq.crypto.keys import TenantKeys
from emailseq.crypto.pq_wrap import HybridKeyWrapper, UnwrapError

DATA_KEY = bytes(range(32))


def _keys(tenant: str = "t1", version: int = 1, data_key: bytes = DATA_KEY) -> TenantKeys:
    return TenantKeys.from_data_key(tenant, version, data_key)


def test_a_sealed_field_opens_to_what_went_in_and_holds_no_plaintext():
    # Given a tenant's keys
    keys = _keys()
    # When an address is sealed
    record = seal(keys, "c1", "email", "ada.lovelace@example.com")
    # Then the record says its format and key version, and holds no trace of the address
    assert (record["v"], record["k"], len(record["n"])) == (1, 1, 12)
    assert b"ada" not in record["c"]
    assert b"lovelace" not in record["c"]
    # And it opens to the address again
    assert open_sealed(keys, "c1", "email", record) == "ada.lovelace@example.com"
    # And sealing twice gives different ciphertexts (a fresh nonce each time)
    assert seal(keys, "c1", "email", "ada.lovelace@example.com")["c"] != record["c"]


def test_a_tampered_ciphertext_does_not_open():
    keys = _keys()
    record = seal(keys, "c1", "first_name", "Ada")
    flipped = bytes([record["c"][0] ^ 1]) + record["c"][1:]
    with pytest.raises(DecryptionError):
        open_sealed(keys, "c1", "first_name", {**record, "c": flipped})


@pytest.mark.parametrize(
    ("contact", "field", "keys"),
    [
        ("c2", "email", _keys()),  # copied onto another contact
        ("c1", "last_name", _keys()),  # moved into another field
        ("c1", "email", _keys(tenant="t2")),  # another tenant (same key bytes even)
        ("c1", "email", _keys(data_key=os.urandom(32))),  # another key
    ],
)
def test_a_record_is_bound_to_its_tenant_contact_and_field(contact, field, keys):
    # Given a record sealed for tenant t1, contact c1, field email
    record = seal(_keys(), "c1", "email", "ada@example.com")
    # When it is opened anywhere else, it does not open
    with pytest.raises(DecryptionError):
        open_sealed(keys, contact, field, record)


def test_a_record_names_its_key_version_and_refuses_another_version_or_format():
    record = seal(_keys(version=3), "c1", "email", "ada@example.com")
    assert key_version(record) == 3
    with pytest.raises(DecryptionError):
        open_sealed(_keys(version=1), "c1", "email", record)
    with pytest.raises(DecryptionError):
        key_version({**record, "v": 99})


def test_the_blind_index_is_stable_normalised_and_keyed():
    keys, other = _keys(), _keys(data_key=os.urandom(32))
    token = blind_index(keys.index, "ada@example.com")
    # Equal (normalised) addresses give the same token, so a lookup is one key read
    assert blind_index(keys.index, " Ada@Example.COM ") == token
    # It is a 256-bit HMAC, not the address, and differs per key (tenant) and per address
    assert len(token) == 64
    assert "ada" not in token
    assert blind_index(other.index, "ada@example.com") != token
    assert blind_index(keys.index, "grace@example.com") != token
    # And the index key is not the encryption key
    assert keys.index != keys.fields


def test_hybrid_hpke_wraps_and_unwraps_a_data_key_bound_to_tenant_and_version():
    # Given a wrapper derived from a (Secrets Manager style) 64-character secret
    secret = "A" * 32 + "b" * 32
    wrapper = HybridKeyWrapper(secret)
    data_key = os.urandom(32)
    # When a data key is wrapped for tenant t1, version 1
    wrapped = wrapper.wrap(data_key, "t1", 1)
    # Then it carries the ML-KEM-768 + X25519 encapsulation (over 1 KB) and no plaintext key
    assert len(wrapped) > 1088
    assert data_key not in wrapped
    # And the same secret (another cold start) unwraps it
    assert HybridKeyWrapper(secret).unwrap(wrapped, "t1", 1) == data_key
    # But not for another tenant or version, nor with another secret, nor tampered
    for tenant, version in (("t2", 1), ("t1", 2)):
        with pytest.raises(UnwrapError):
            wrapper.unwrap(wrapped, tenant, version)
    with pytest.raises(UnwrapError):
        HybridKeyWrapper("z" * 64).unwrap(wrapped, "t1", 1)
    with pytest.raises(UnwrapError):
        wrapper.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]), "t1", 1)
