"""GDPR: export everything held on a contact; erase it (PII gone, running sequences stopped, an audit entry kept)."""

from dataclasses import dataclass
from typing import Any

from emailseq.domain.enrollment import Enrollment
from emailseq.domain.errors import NotFound
from emailseq.domain.ports import (
    ArchivedMessages,
    AuditTrail,
    Clock,
    ContactPrivacy,
    EnrollmentStore,
)

ERASED = "erased"  # the exit reason of enrollments stopped by an erasure
_RACE_RETRIES = 3


@dataclass(frozen=True)
class PrivacyPorts:
    contacts: ContactPrivacy
    enrollments: EnrollmentStore
    audit: AuditTrail | None
    clock: Clock
    archive: ArchivedMessages | None = None


def export_contact(ports: PrivacyPorts, tenant_id: str, contact_id: str) -> dict[str, Any]:
    profile = ports.contacts.export(tenant_id, contact_id)
    if profile is None:
        raise NotFound("contact", contact_id)
    enrollments = ports.enrollments.for_contact(tenant_id, contact_id)
    return {
        "contact": profile,
        "enrollments": [_enrollment(e) for e in enrollments],
        "sends": ports.archive.for_contact(tenant_id, contact_id) if ports.archive else [],
    }


def erase_contact(ports: PrivacyPorts, tenant_id: str, contact_id: str, actor: str) -> dict[str, int]:
    """Stop the contact's running enrollments, delete its archived mail and PII, and keep an audit entry.

    Enrollments stop first; a step worker that races in between finds no contact and exits the enrollment itself.
    Returns what was done (the audit entry's details: counts, never PII).
    """
    if ports.contacts.export(tenant_id, contact_id) is None:
        raise NotFound("contact", contact_id)
    now = ports.clock.now()
    stopped = sum(_stop(ports, e) for e in ports.enrollments.for_contact(tenant_id, contact_id) if e.is_active)
    deleted = ports.archive.delete_for_contact(tenant_id, contact_id) if ports.archive else 0
    ports.contacts.erase(tenant_id, contact_id, now)
    done = {"enrollments_stopped": stopped, "messages_deleted": deleted}
    if ports.audit is not None:
        ports.audit.record(tenant_id, actor, "contact.erased", contact_id, dict(done))
    return done


def _stop(ports: PrivacyPorts, enrollment: Enrollment) -> bool:
    current: Enrollment | None = enrollment
    for _ in range(_RACE_RETRIES):
        if current is None or not current.is_active:
            return False
        if ports.enrollments.replace(current, current.exited(ports.clock.now(), reason=ERASED)):
            return True
        current = ports.enrollments.get(current.tenant_id, current.contact_id, current.sequence_id)
    return False  # still moving: the step worker will find the contact gone and exit it


def _enrollment(enrollment: Enrollment) -> dict[str, Any]:
    def moment(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "sequence_id": enrollment.sequence_id,
        "version": enrollment.version,
        "generation": enrollment.generation,
        "status": enrollment.status.value,
        "exit_reason": enrollment.exit_reason,
        "enrolled_at": moment(enrollment.enrolled_at),
        "due_at": moment(enrollment.due_at),
        "ended_at": moment(enrollment.ended_at),
        "opened": sorted(enrollment.facts.opened),
        "clicked": sorted(enrollment.facts.clicked),
        "events": sorted(enrollment.facts.events),
    }
