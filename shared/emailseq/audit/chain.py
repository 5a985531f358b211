"""The chain itself, pure: each entry's hash is SHA-256 over the previous hash and the entry's canonical JSON.

Changing an entry changes its hash, which no longer matches what the next entry recorded as its predecessor;
removing one leaves a gap in the sequence numbers; removing the newest ones is caught by a signed checkpoint of
a later position. `verify` names the first entry where any of this shows.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS = "0" * 64  # the predecessor of a tenant's first entry


@dataclass(frozen=True)
class AuditEntry:
    tenant_id: str
    seq: int  # 1, 2, 3 … per tenant, no gaps
    at: datetime
    actor: str  # who: a token's subject, "contact" (an unsubscribe link), "provider:ses" (a bounce)
    action: str  # what, as a fact: sequence.applied, contact.unsubscribed, consent.confirmed, contact.erased, …
    subject: str  # on what: a sequence id, a contact id, a key id (never an address or a name)
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the tenant's chain had `hash` at position `seq`."""

    tenant_id: str
    seq: int
    hash: str
    signatures: dict[str, str]  # algorithm → base64 signature of checkpoint_message()


@dataclass(frozen=True)
class Verdict:
    intact: bool
    entries: int
    checkpoints: int
    problem: str | None = None  # names the first entry altered or removed
    first_bad_seq: int | None = None


def _body(entry: AuditEntry) -> bytes:
    fields = {
        "tenant": entry.tenant_id,
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _body(entry)).hexdigest()


def sealed(entry: AuditEntry, prev_hash: str) -> AuditEntry:
    """The entry as the chain keeps it: linked to its predecessor and carrying its own hash."""
    linked = AuditEntry(**{**entry.__dict__, "prev_hash": prev_hash, "hash": ""})
    return AuditEntry(**{**linked.__dict__, "hash": entry_hash(prev_hash, linked)})


def checkpoint_message(tenant_id: str, seq: int, chain_hash: str) -> bytes:
    return f"emailseq-audit-checkpoint|{tenant_id}|{seq}|{chain_hash}".encode()


def verify(
    entries: Sequence[AuditEntry], checkpoints: Sequence[Checkpoint], signature_ok: Callable[[Checkpoint], bool]
) -> Verdict:
    hashes = {0: GENESIS}
    for expected_seq, entry in enumerate(sorted(entries, key=lambda e: e.seq), start=1):
        problem = _entry_problem(entry, expected_seq, hashes[expected_seq - 1])
        if problem:
            return Verdict(False, len(entries), 0, problem, expected_seq)
        hashes[entry.seq] = entry.hash
    for number, checkpoint in enumerate(sorted(checkpoints, key=lambda c: c.seq)):
        if not signature_ok(checkpoint):
            return Verdict(False, len(entries), number, f"checkpoint at entry {checkpoint.seq} has a bad signature")
        if checkpoint.seq not in hashes:
            last = max(hashes)
            message = f"entries {last + 1}..{checkpoint.seq} were removed (a signed checkpoint covers them)"
            return Verdict(False, len(entries), number, message, last + 1)
        if hashes[checkpoint.seq] != checkpoint.hash:
            message = f"the chain up to entry {checkpoint.seq} differs from its signed checkpoint"
            return Verdict(False, len(entries), number, message, checkpoint.seq)
    return Verdict(True, len(entries), len(checkpoints))


def _entry_problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} was removed (the next entry found is {entry.seq})"
    if entry.prev_hash != prev_hash:
        return f"entry {expected_seq - 1} was altered (entry {expected_seq} recorded another hash for it)"
    if entry_hash(prev_hash, entry) != entry.hash:
        return f"entry {entry.seq} was altered (its content no longer matches its hash)"
    return None
