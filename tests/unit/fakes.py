"""In-memory fakes of the ports in emailseq.domain.ports, honouring the same contracts as the AWS adapters.

Each fake keeps its state in plain dicts and lists the tests can read, and records what it was asked to do.
Where the DynamoDB adapter makes a conditional write, the fake applies the same condition (see each docstring).
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.errors import Conflict
from emailseq.domain.messages import ContactData, DomainEvent, RecordEvent, SendStep
from emailseq.domain.ports import Contact, OutgoingEmail, SequenceCounts, StepCounts, StoredSequence
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.send import SendPorts

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TENANT = "acme"

_END_COUNTERS = {
    EnrollmentStatus.COMPLETED: "completed",
    EnrollmentStatus.CONVERTED: "converted",
    EnrollmentStatus.EXITED: "exited",
}


class ProviderError(Exception):
    """What FakeMailSender raises when told to fail (stands in for an SES throttle or outage)."""


class BusError(Exception):
    """What FakeEventBus raises when told to fail."""


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, now: datetime = T0) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        assert when.tzinfo is not None, "the domain works in aware datetimes"
        self._now = when

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**parts)
        return self._now


class FakeEnrollmentStore:
    """Enrollments keyed by (tenant, contact, sequence), with the DynamoDB store's conditional writes and counters.

    - create() refuses a second enrollment for the same (tenant, contact, sequence) and counts `enrolled`.
    - replace() succeeds only if the stored enrollment still has `before`'s status, cursor and generation; it counts
      `sent_step` and a newly reached end state (completed, converted, exited) in the same write.
    - due(now, limit) returns active enrollments due at or before `now`, oldest first.
    - lease() moves due_at to `until`, and fails if the stored one is no longer active at the same cursor and due_at.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], Enrollment] = {}
        self.totals: dict[tuple[str, str], Counter[str]] = {}
        self.sent: dict[tuple[str, str], Counter[str]] = {}
        self._break_next_replace: Exception | None = None

    # -- test helpers --------------------------------------------------------------------------------------------
    def put(self, enrollment: Enrollment) -> None:
        """Arrange: store an enrollment as-is, without touching any counter."""
        self.rows[_enrollment_key(enrollment)] = enrollment

    def break_next_replace(self, error: Exception) -> None:
        """The next replace() raises `error` without writing (a crash or a timeout between send and advance)."""
        self._break_next_replace = error

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        totals = self.totals.get((tenant_id, sequence_id), Counter())
        sent = self.sent.get((tenant_id, sequence_id), Counter())
        return SequenceCounts(
            enrolled=totals["enrolled"],
            completed=totals["completed"],
            converted=totals["converted"],
            exited=totals["exited"],
            steps={step_id: StepCounts(step_id=step_id, sent=n) for step_id, n in sent.items()},
        )

    # -- the port ------------------------------------------------------------------------------------------------
    def create(self, enrollment: Enrollment) -> bool:
        key = _enrollment_key(enrollment)
        if key in self.rows:
            return False
        self.rows[key] = enrollment
        self._total(enrollment, "enrolled")
        return True

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        return self.rows.get((tenant_id, contact_id, sequence_id))

    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]:
        return [e for (tenant, contact, _), e in self.rows.items() if (tenant, contact) == (tenant_id, contact_id)]

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        assert _enrollment_key(before) == _enrollment_key(after), "replace() never moves an enrollment"
        if self._break_next_replace is not None:
            error, self._break_next_replace = self._break_next_replace, None
            raise error
        stored = self.rows.get(_enrollment_key(before))
        if stored is None or (stored.status, stored.cursor, stored.generation) != (
            before.status,
            before.cursor,
            before.generation,
        ):
            return False
        self.rows[_enrollment_key(after)] = after
        if sent_step is not None:
            self.sent.setdefault((after.tenant_id, after.sequence_id), Counter())[sent_step] += 1
        if after.status in _END_COUNTERS and after.status is not before.status:
            self._total(after, _END_COUNTERS[after.status])
        return True

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        due = [e for e in self.rows.values() if e.is_active and e.due_at is not None and e.due_at <= now]
        return sorted(due, key=lambda e: (e.due_at, _enrollment_key(e)))[:limit]

    def lease(self, enrollment: Enrollment, until: datetime) -> bool:
        if enrollment.due_at is None:
            return False
        stored = self.rows.get(_enrollment_key(enrollment))
        if stored is None or not stored.is_active or stored.cursor != enrollment.cursor:
            return False
        if stored.due_at != enrollment.due_at:
            return False
        self.rows[_enrollment_key(stored)] = replace(stored, due_at=until)
        return True

    def _total(self, enrollment: Enrollment, counter: str) -> None:
        self.totals.setdefault((enrollment.tenant_id, enrollment.sequence_id), Counter())[counter] += 1


def _enrollment_key(enrollment: Enrollment) -> tuple[str, str, str]:
    return (enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)


class FakeSequenceRepository:
    """Versions per (tenant, sequence), stored like DynamoDB stores them: as canonical JSON, parsed on read.

    save_new_version() refuses a version that exists (the adapter's `attribute_not_exists` put) with Conflict.
    triggered_by() answers from the current version of each sequence, as the adapter's trigger index does.
    counts() reads the counters the enrollment store keeps (they live in the same table in AWS).
    """

    def __init__(self, enrollments: FakeEnrollmentStore | None = None) -> None:
        self._enrollments = enrollments or FakeEnrollmentStore()
        self._versions: dict[tuple[str, str], dict[int, dict[str, object]]] = {}
        self._head: dict[tuple[str, str], int] = {}
        self.saves: list[StoredSequence] = []

    def current(self, tenant_id: str, sequence_id: str) -> StoredSequence | None:
        head = self._head.get((tenant_id, sequence_id))
        return None if head is None else self.version(tenant_id, sequence_id, head)

    def version(self, tenant_id: str, sequence_id: str, version: int) -> StoredSequence | None:
        row = self._versions.get((tenant_id, sequence_id), {}).get(version)
        if row is None:
            return None
        return StoredSequence(
            tenant_id=tenant_id,
            document=SequenceDocument.model_validate_json(str(row["document"])),
            version=version,
            content_hash=str(row["content_hash"]),
            created_at=row["created_at"],  # type: ignore[arg-type]
        )

    def save_new_version(self, stored: StoredSequence) -> None:
        key = (stored.tenant_id, stored.document.id)
        versions = self._versions.setdefault(key, {})
        if stored.version in versions:
            raise Conflict(f"version {stored.version} of {stored.document.id} exists")
        versions[stored.version] = {
            "document": json.dumps(stored.document.canonical(), sort_keys=True),
            "content_hash": stored.content_hash,
            "created_at": stored.created_at,
        }
        self._head[key] = stored.version
        self.saves.append(stored)

    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]:
        found = []
        for tenant, sequence_id in sorted(self._head):
            stored = self.current(tenant, sequence_id) if tenant == tenant_id else None
            if stored is not None and stored.document.trigger.event == event_type:
                found.append(stored)
        return found

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        return self._enrollments.counts(tenant_id, sequence_id)


class FakeContactRepository:
    """Contacts found by (tenant, lower-cased email); upsert() creates on first sight, then sets given fields."""

    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], Contact] = {}
        self._ids = 0

    def erase(self, tenant_id: str, contact_id: str) -> None:
        """Test helper: the contact is deleted (e.g. a data-erasure request)."""
        del self.contacts[(tenant_id, contact_id)]

    def upsert(self, tenant_id: str, data: ContactData) -> Contact:
        existing = self.find_by_email(tenant_id, data.email)
        if existing is None:
            self._ids += 1
            existing = Contact(tenant_id=tenant_id, contact_id=f"contact-{self._ids}", email=data.email)
        given = {name: getattr(data, name) for name in ("first_name", "last_name", "timezone")}
        updated = replace(
            existing,
            **{name: value for name, value in given.items() if value is not None},
            attributes={**existing.attributes, **data.attributes},
        )
        self.contacts[(tenant_id, updated.contact_id)] = updated
        return updated

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        return self.contacts.get((tenant_id, contact_id))

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        return next(
            (c for (tenant, _), c in self.contacts.items() if tenant == tenant_id and c.email == email.lower()),
            None,
        )


class FakeEventLog:
    """Event ids taken in, per tenant: claim() is True once per (tenant, id); release() forgets one."""

    def __init__(self) -> None:
        self.claimed: set[tuple[str, str]] = set()

    def claim(self, command: RecordEvent) -> bool:
        key = (command.tenant_id, command.id)
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    def release(self, command: RecordEvent) -> None:
        self.claimed.discard((command.tenant_id, command.id))


class FakeEventBus:
    """Records what is published; `fail_contact_events(n)` makes the next n publish_contact_event calls raise."""

    def __init__(self) -> None:
        self.contact_events: list[RecordEvent] = []
        self.batches: list[list[DomainEvent]] = []
        self._contact_failures = 0

    @property
    def facts(self) -> list[DomainEvent]:
        return [fact for batch in self.batches for fact in batch]

    def fail_contact_events(self, times: int) -> None:
        self._contact_failures = times

    def publish_contact_event(self, command: RecordEvent) -> None:
        if self._contact_failures:
            self._contact_failures -= 1
            raise BusError("event bus unavailable")
        self.contact_events.append(command)

    def publish(self, events: list[DomainEvent]) -> None:
        self.batches.append(list(events))


class FakeStepQueue:
    """Records each enqueue() call as one batch of SendStep orders."""

    def __init__(self) -> None:
        self.batches: list[list[SendStep]] = []

    @property
    def orders(self) -> list[SendStep]:
        return [order for batch in self.batches for order in batch]

    def enqueue(self, commands: list[SendStep]) -> None:
        self.batches.append(list(commands))


class FakeMailSender:
    """Records delivered emails; fails the first `fail_times` attempts with ProviderError."""

    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[OutgoingEmail] = []
        self.attempts = 0
        self._failures_left = fail_times

    def fail_next(self, times: int) -> None:
        self._failures_left = times

    def send(self, email: OutgoingEmail) -> str:
        self.attempts += 1
        if self._failures_left:
            self._failures_left -= 1
            raise ProviderError("provider throttled the request")
        self.sent.append(email)
        return f"provider-{len(self.sent)}"


class FakeOnceOnly:
    """Remembers each key's result: a repeat returns it without running the action; a raising action is not kept."""

    def __init__(self) -> None:
        self.results: dict[str, str] = {}
        self.runs = 0

    def run(self, key: str, action: Callable[[], str]) -> str:
        if key in self.results:
            return self.results[key]
        self.runs += 1
        result = action()
        self.results[key] = result
        return result


@dataclass
class World:
    """Every fake, wired together, with the ports bundles the use cases take."""

    clock: FakeClock = field(default_factory=FakeClock)
    enrollments: FakeEnrollmentStore = field(default_factory=FakeEnrollmentStore)
    contacts: FakeContactRepository = field(default_factory=FakeContactRepository)
    queue: FakeStepQueue = field(default_factory=FakeStepQueue)
    bus: FakeEventBus = field(default_factory=FakeEventBus)
    mailer: FakeMailSender = field(default_factory=FakeMailSender)
    once: FakeOnceOnly = field(default_factory=FakeOnceOnly)
    event_log: FakeEventLog = field(default_factory=FakeEventLog)
    sequences: FakeSequenceRepository = field(init=False)

    def __post_init__(self) -> None:
        self.sequences = FakeSequenceRepository(self.enrollments)

    def enroll_ports(self) -> EnrollPorts:
        return EnrollPorts(
            contacts=self.contacts,
            sequences=self.sequences,
            enrollments=self.enrollments,
            queue=self.queue,
            bus=self.bus,
            clock=self.clock,
        )

    def send_ports(self) -> SendPorts:
        return SendPorts(
            contacts=self.contacts,
            sequences=self.sequences,
            enrollments=self.enrollments,
            mailer=self.mailer,
            once=self.once,
            bus=self.bus,
            clock=self.clock,
        )

    def schedule_ports(self) -> SchedulePorts:
        return SchedulePorts(enrollments=self.enrollments, queue=self.queue, clock=self.clock)

    def given_sequence(self, document: SequenceDocument, version: int = 1, tenant_id: str = TENANT) -> StoredSequence:
        stored = StoredSequence(
            tenant_id=tenant_id,
            document=document,
            version=version,
            content_hash=document.content_hash(),
            created_at=self.clock.now(),
        )
        self.sequences.save_new_version(stored)
        return stored
