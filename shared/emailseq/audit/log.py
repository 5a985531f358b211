"""Appending to a tenant's chain: read the head, seal the entry onto it, sign the new head, write both only if
the head is still the one read (two writers race: one wins, the other seals again onto the winner)."""

from collections.abc import Callable
from typing import Any, Protocol

from emailseq.audit.chain import GENESIS, AuditEntry, Checkpoint, sealed
from emailseq.audit.signing import CheckpointSigner
from emailseq.domain.errors import Conflict
from emailseq.domain.ports import Clock

KEEP_CHECKPOINT_EVERY = 16  # besides the always-signed head, a checkpoint is kept for good every 16 entries
_ATTEMPTS = 8


class AuditStore(Protocol):
    def head(self, tenant_id: str) -> Checkpoint | None: ...

    def append(self, entry: AuditEntry, head: Checkpoint, keep_checkpoint: bool) -> bool:
        """Store the entry and move the head to it, only if the head is still at entry.seq - 1."""
        ...

    def entries(self, tenant_id: str, after_seq: int, limit: int) -> list[AuditEntry]: ...
    def checkpoints(self, tenant_id: str) -> list[Checkpoint]:
        """The kept checkpoints and the current head."""
        ...


class ChainedAuditLog:
    def __init__(self, store: AuditStore, signer: Callable[[], CheckpointSigner], clock: Clock) -> None:
        # `signer` is called on the first entry only: most invocations of a function record nothing, and the
        # key's secret is then never fetched.
        self._store = store
        self._signer = signer
        self._clock = clock

    def record(self, tenant_id: str, actor: str, action: str, subject: str, details: dict[str, Any]) -> AuditEntry:
        for _ in range(_ATTEMPTS):
            head = self._store.head(tenant_id)
            seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
            entry = sealed(
                AuditEntry(tenant_id, seq + 1, self._clock.now(), actor, action, subject, details), prev_hash
            )
            signed = self._signer().sign(tenant_id, entry.seq, entry.hash)
            if self._store.append(entry, signed, keep_checkpoint=entry.seq % KEEP_CHECKPOINT_EVERY == 0):
                return entry
        raise Conflict(f"audit log of tenant {tenant_id} is busy; try again")
