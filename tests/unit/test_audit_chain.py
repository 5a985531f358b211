"""The audit log: a per-tenant SHA-256 chain with signed checkpoints (Ed25519 + ML-DSA-65); verification names
the first entry altered or removed."""

from dataclasses import replace

import pytest
from emailseq.audit.chain import sealed, verify
from emailseq.audit.log import KEEP_CHECKPOINT_EVERY, ChainedAuditLog
from emailseq.audit.signing import CheckpointSigner, CheckpointVerifier
from emailseq.domain.errors import Conflict
from fakes import TENANT, FakeAuditStore, FakeClock

SIGNER = CheckpointSigner("unit-test-audit-secret-0123456789")
VERIFIER = CheckpointVerifier(SIGNER.public_keys())


@pytest.fixture
def store() -> FakeAuditStore:
    return FakeAuditStore()


def _record(store: FakeAuditStore, count: int, tenant: str = TENANT) -> ChainedAuditLog:
    clock = FakeClock()
    log = ChainedAuditLog(store, lambda: SIGNER, clock)
    for number in range(1, count + 1):
        clock.advance(minutes=1)
        log.record(tenant, "dev:owner", "sequence.applied", f"seq-{number}", {"version": number})
    return log


def _verdict(store: FakeAuditStore, tenant: str = TENANT):
    return verify(store.entries(tenant, 0, 10_000), store.checkpoints(tenant), VERIFIER)


def test_an_untouched_chain_verifies_with_its_checkpoints(store):
    # Given 40 entries (checkpoints kept at 16 and 32, and the signed head at 40)
    _record(store, 40)
    # Then the chain is intact and every checkpoint verifies
    verdict = _verdict(store)
    assert (verdict.intact, verdict.entries, verdict.checkpoints) == (True, 40, 3)
    assert [c.seq for c in store.checkpoints(TENANT)] == [16, 32, 40]
    assert KEEP_CHECKPOINT_EVERY == 16


def test_an_altered_entry_is_named(store):
    # Given a chain where entry 7's details were changed afterwards (its stored hash left as it was)
    _record(store, 10)
    entries = store.entries_by_tenant[TENANT]
    entries[7] = replace(entries[7], details={"version": 999})
    # Then verification names entry 7
    verdict = _verdict(store)
    assert not verdict.intact
    assert verdict.first_bad_seq == 7
    assert verdict.problem == "entry 7 was altered (its content no longer matches its hash)"


def test_an_altered_entry_whose_hash_was_recomputed_is_still_caught_by_its_successor(store):
    # Given entry 7 changed and re-hashed, so it is self-consistent
    _record(store, 10)
    entries = store.entries_by_tenant[TENANT]
    entries[7] = sealed(replace(entries[7], actor="someone-else"), entries[7].prev_hash)
    # Then entry 8, which recorded the original hash, gives it away
    verdict = _verdict(store)
    assert verdict.problem == "entry 7 was altered (entry 8 recorded another hash for it)"


def test_a_removed_entry_is_named(store):
    # Given entry 5 deleted from the middle
    _record(store, 10)
    del store.entries_by_tenant[TENANT][5]
    # Then verification names entry 5 as removed
    verdict = _verdict(store)
    assert verdict.problem == "entry 5 was removed (the next entry found is 6)"


def test_removing_the_newest_entries_is_caught_by_the_signed_head(store):
    # Given the last three entries deleted (no gap is left behind)
    _record(store, 10)
    for seq in (8, 9, 10):
        del store.entries_by_tenant[TENANT][seq]
    # Then the signed head at entry 10 shows entries 8..10 were removed
    verdict = _verdict(store)
    assert verdict.problem == "entries 8..10 were removed (a signed checkpoint covers them)"
    assert verdict.first_bad_seq == 8


def test_a_forged_or_moved_checkpoint_fails_its_signature(store):
    # Given the head's hash replaced by someone without the signing key
    _record(store, 3)
    head = store.heads[TENANT]
    store.heads[TENANT] = replace(head, hash="f" * 64)
    # Then its signature does not verify
    assert _verdict(store).problem == "checkpoint at entry 3 has a bad signature"


def test_both_signatures_are_required(store):
    # Given a head whose ML-DSA-65 signature was swapped for another checkpoint's
    _record(store, 17)
    head, kept = store.heads[TENANT], store.kept[TENANT][0]
    store.heads[TENANT] = replace(head, signatures={**head.signatures, "ml-dsa-65": kept.signatures["ml-dsa-65"]})
    # Then the head fails even though its Ed25519 signature is good
    assert not VERIFIER(store.heads[TENANT])
    assert _verdict(store).problem == "checkpoint at entry 17 has a bad signature"


def test_chains_are_per_tenant_and_another_key_does_not_verify(store):
    # Given two tenants' chains
    _record(store, 3, tenant="a")
    _record(store, 2, tenant="b")
    # Then each is intact on its own, numbered from 1
    assert [e.seq for e in store.entries("b", 0, 10)] == [1, 2]
    assert _verdict(store, "a").intact
    # And a verifier with another deployment's keys refuses them
    other = CheckpointVerifier(CheckpointSigner("another-secret-entirely-0123456789").public_keys())
    assert not verify(store.entries("a", 0, 10), store.checkpoints("a"), other).intact


def test_a_lost_race_seals_again_onto_the_winner(store):
    # Given a writer that loses the race for the head twice
    log = _record(store, 2)
    store.lose_next_race(2)
    # When it records an entry
    entry = log.record(TENANT, "dev:owner", "contact.erased", "c-1", {})
    # Then the entry lands at 3 and the chain is intact
    assert entry.seq == 3
    assert _verdict(store).intact


def test_a_log_that_never_wins_says_so(store):
    log = _record(store, 1)
    store.lose_next_race(100)
    with pytest.raises(Conflict):
        log.record(TENANT, "dev:owner", "contact.erased", "c-1", {})
