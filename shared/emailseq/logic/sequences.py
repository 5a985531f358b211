"""Apply a sequence document: a new version when its content changed, a no-op when it did not."""

from dataclasses import dataclass

from emailseq.domain.ports import Clock, SequenceRepository, StoredSequence
from emailseq.domain.sequence import SequenceDocument
from emailseq.rendering.templates import check_templates


@dataclass(frozen=True)
class AppliedSequence:
    stored: StoredSequence
    changed: bool


def apply_sequence(
    repository: SequenceRepository, clock: Clock, tenant_id: str, document: SequenceDocument
) -> AppliedSequence:
    check_templates(document)
    current = repository.current(tenant_id, document.id)
    content_hash = document.content_hash()
    if current is not None and current.content_hash == content_hash:
        return AppliedSequence(stored=current, changed=False)
    stored = StoredSequence(
        tenant_id=tenant_id,
        document=document,
        version=(current.version + 1) if current else 1,
        content_hash=content_hash,
        created_at=clock.now(),
    )
    repository.save_new_version(stored)
    return AppliedSequence(stored=stored, changed=True)
