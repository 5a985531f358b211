"""The ports the logic talks through. Adapters live in emailseq.dal (AWS) and in tests (hand-written fakes)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from emailseq.domain.consent import Consent
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.messages import ContactData, DomainEvent, RecordEvent, SendOptInConfirmation, SendStep
from emailseq.domain.optimisation.qaoa import CircuitStats, QaoaProgram
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.tenant import TenantSettings


@dataclass(frozen=True)
class Contact:
    tenant_id: str
    contact_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    unsubscribed: bool = False


@dataclass(frozen=True)
class StoredSequence:
    tenant_id: str
    document: SequenceDocument
    version: int
    content_hash: str
    created_at: datetime
    status: str = "active"  # active | paused | archived


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    tenant_id: str = ""  # whose message it is: the archive keeps it under the tenant
    contact_id: str = ""  # tagged on the send, so bounces and complaints find the contact
    from_name: str | None = None  # the tenant's sender name and address (else the deployment's default)
    from_address: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class StepCounts:
    step_id: str
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    machine_opened: int = 0


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
    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]:
        """The active sequences this event type triggers."""
        ...

    def status(self, tenant_id: str, sequence_id: str) -> str | None: ...
    def set_status(self, tenant_id: str, sequence_id: str, status: str) -> StoredSequence | None: ...
    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts: ...


class ContactRepository(Protocol):
    def upsert(self, tenant_id: str, data: ContactData) -> Contact: ...
    def get(self, tenant_id: str, contact_id: str) -> Contact | None: ...
    def find_by_email(self, tenant_id: str, email: str) -> Contact | None: ...
    def set_attributes(self, tenant_id: str, contact_id: str, values: dict[str, Any]) -> None: ...

    def unsubscribe(self, tenant_id: str, contact_id: str, at: datetime, source: str) -> bool:
        """Suppress the contact (unsubscribe link, hard bounce, complaint: `source` says which); True the first
        time (so a repeat is not counted twice)."""
        ...

    def count_soft_bounce(self, tenant_id: str, contact_id: str) -> None: ...


class EnrollmentStore(Protocol):
    def create(self, enrollment: Enrollment, replacing: Enrollment | None = None) -> bool:
        """Store a new enrollment unless the contact already has one for the sequence (or, when `replacing` an
        ended one for re-enrollment, unless that one changed meanwhile); True when created."""
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

    def lease(self, enrollment: Enrollment, now: datetime, until: datetime) -> bool:
        """Push a due enrollment's index entry to `until` while its step runs (its due_at stays); False if it
        moved, or another run holds an unexpired lease."""
        ...

    def record_fact(self, enrollment: Enrollment, fact: str, value: str) -> bool:
        """Add `value` (a step id, or an event type) to the enrollment's `fact` set (opened, clicked, events);
        True the first time, counting opens and clicks per step in the same write."""
        ...

    def wake(self, enrollment: Enrollment, at: datetime) -> bool:
        """Make a sleeping enrollment due at `at` (an awaited event arrived); False if it moved meanwhile."""
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


class WebhookCaller(Protocol):
    def post(self, url: str, body: dict[str, Any], idempotency_key: str) -> int:
        """POST the JSON body, signed; returns the status. Raises on failure so the step is retried."""
        ...


class TenantSettingsRepository(Protocol):
    def get(self, tenant_id: str) -> TenantSettings: ...
    def put(self, tenant_id: str, settings: TenantSettings) -> None: ...


class SendCaps(Protocol):
    def reserve(self, tenant_id: str, contact_id: str, day: str, key: str, cap: int) -> bool:
        """Take one of the contact's `cap` sends for `day`; True if taken (or if `key` took one already, so a
        retried send is not counted twice), False when the day is full."""
        ...


class ConsentStore(Protocol):
    def request(self, consent: Consent) -> Consent:
        """Store a pending consent unless one is already confirmed; returns what is stored now (a confirmed
        consent stays confirmed, a repeated request replaces the pending one so it gets a fresh email)."""
        ...

    def get(self, tenant_id: str, contact_id: str, list_id: str) -> Consent | None: ...

    def confirm(self, confirmed: Consent) -> bool:
        """Store the confirmation if the consent is still pending; False when it was confirmed before."""
        ...


class OptInQueue(Protocol):
    def enqueue(self, commands: list[SendOptInConfirmation]) -> None: ...


class QaoaSampler(Protocol):
    """Where a QAOA circuit is sampled: a local simulator or a remote device (submit, then poll, then fetch)."""

    name: str
    device: str
    stand_in: str | None

    def submit(self, program: QaoaProgram, shots: int) -> str: ...

    def status(self, job_id: str) -> str: ...

    def counts(self, job_id: str) -> dict[str, int]: ...

    def stats(self, program: QaoaProgram) -> CircuitStats: ...
