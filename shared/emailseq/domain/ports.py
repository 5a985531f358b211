"""The ports the logic talks through. Adapters live in emailseq.dal (AWS) and in tests (hand-written fakes)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from emailseq.domain.enrollment import Enrollment
from emailseq.domain.messages import ContactData, DomainEvent, RecordEvent, SendStep
from emailseq.domain.sequence import SequenceDocument


@dataclass(frozen=True)
class Contact:
    tenant_id: str
    contact_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredSequence:
    tenant_id: str
    document: SequenceDocument
    version: int
    content_hash: str
    created_at: datetime


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepCounts:
    step_id: str
    sent: int = 0


@dataclass(frozen=True)
class SequenceCounts:
    enrolled: int = 0
    completed: int = 0
    converted: int = 0
    exited: int = 0
    steps: dict[str, StepCounts] = field(default_factory=dict)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SequenceRepository(Protocol):
    def current(self, tenant_id: str, sequence_id: str) -> StoredSequence | None: ...
    def version(self, tenant_id: str, sequence_id: str, version: int) -> StoredSequence | None: ...
    def save_new_version(self, stored: StoredSequence) -> None: ...
    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]: ...
    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts: ...


class ContactRepository(Protocol):
    def upsert(self, tenant_id: str, data: ContactData) -> Contact: ...
    def get(self, tenant_id: str, contact_id: str) -> Contact | None: ...
    def find_by_email(self, tenant_id: str, email: str) -> Contact | None: ...


class EnrollmentStore(Protocol):
    def create(self, enrollment: Enrollment) -> bool:
        """Store a new enrollment unless the contact already has one for the sequence; True when created."""
        ...

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None: ...
    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]: ...

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        """Swap `before` for `after` only if the stored enrollment is still `before` (same cursor and status),
        counting `sent_step` and the end state in the same write; False when another writer got there first."""
        ...

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        """Active enrollments due at or before `now`, read through the time index (never a scan)."""
        ...

    def lease(self, enrollment: Enrollment, until: datetime) -> bool:
        """Push a due enrollment's index entry to `until` while its send is in flight; False if it moved."""
        ...


class EventLog(Protocol):
    def claim(self, command: RecordEvent) -> bool:
        """Remember an event id; False when it was already taken in (the same id is processed once)."""
        ...

    def release(self, command: RecordEvent) -> None: ...


class EventBus(Protocol):
    def publish_contact_event(self, command: RecordEvent) -> None: ...
    def publish(self, events: list[DomainEvent]) -> None: ...


class StepQueue(Protocol):
    def enqueue(self, commands: list[SendStep]) -> None: ...


class MailSender(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Hand the email to the provider; returns the provider's message id. Raises on provider errors."""
        ...


class OnceOnly(Protocol):
    def run(self, key: str, action: Callable[[], str]) -> str:
        """Run `action` once for `key` and remember its result; a repeat returns the remembered result."""
        ...
