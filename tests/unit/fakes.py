"""In-memory fakes of the ports in emailseq.domain.ports, honouring the same contracts as the AWS adapters.

Each fake keeps its state in plain dicts and lists the tests can read, and records what it was asked to do.
Where the DynamoDB adapter makes a conditional write, the fake applies the same condition (see each docstring).
"""

import dataclasses
import json
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from emailseq.audit.chain import AuditEntry, Checkpoint
from emailseq.domain.api_keys import ApiKeyRecord
from emailseq.domain.consent import Consent
from emailseq.domain.content import ContentBlock, ContentProfile, normalise_url
from emailseq.domain.deliverability import SpamCheckUnavailable, SpamReport
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, Facts
from emailseq.domain.errors import Conflict
from emailseq.domain.messages import ContactData, DomainEvent, RecordEvent, SendStep
from emailseq.domain.ports import (
    Contact,
    OrderState,
    OutgoingEmail,
    SequenceCounts,
    StepCounts,
    StoredSequence,
)
from emailseq.domain.rate import SendQuota
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.run_step import StepPorts, run_step
from emailseq.logic.schedule import SchedulePorts, dispatch_all_due
from emailseq.logic.tracking import TrackingPorts
from emailseq.rendering.tracking import LinkSigner

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday
TENANT = "acme"
TRACKING_SECRET = "unit-test-tracking-secret"
TRACKING_BASE = "https://t.example.com"

_END_COUNTERS = {
    EnrollmentStatus.COMPLETED: "completed",
    EnrollmentStatus.CONVERTED: "converted",
    EnrollmentStatus.EXITED: "exited",
}
# record_fact() counts these per step (the adapter's _FACT_COUNTERS); `events` is not counted.
_FACT_COUNTERS = ("opened", "clicked", "unsubscribed", "machine_opened")


class ProviderError(Exception):
    """What FakeMailSender raises when told to fail (stands in for an SES throttle or outage)."""


class BusError(Exception):
    """What FakeEventBus raises when told to fail."""


class WebhookError(Exception):
    """What FakeWebhookCaller raises when told to fail (a 5xx or a timeout from the receiver)."""


class MissingContact(LookupError):
    """What FakeContactRepository.set_attributes raises for an unknown contact (the adapter's failed condition)."""


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


@dataclass
class _Row:
    """One stored enrollment item: its state, its fact sets (only ever added to), its lease and index entry."""

    state: Enrollment  # facts left empty: they live in `facts`
    facts: dict[str, set[str]] = field(default_factory=dict)
    leased_until: datetime | None = None
    index_at: datetime | None = None  # where the time index (GSI `due`) holds the item; None: not indexed


_STATE_FIELDS = (
    "version",
    "generation",
    "cursor",
    "status",
    "due_at",
    "step_started_at",
    "ended_at",
    "waiting_for",
    "exit_reason",
)


class FakeEnrollmentStore:
    """Enrollments keyed by (tenant, contact, sequence), with the DynamoDB store's conditional writes and counters.

    - create() refuses a second enrollment for the same (tenant, contact, sequence); with `replacing` it overwrites
      (facts and lease gone) only an ended one still at `replacing`'s generation. Counts `enrolled`.
    - replace() succeeds only if the stored one still has `before`'s status, cursor and generation; it writes only
      the state fields (never the facts, nor the identity), drops the lease, re-indexes at `after.due_at`, and
      counts `sent_step` and a newly reached end state in the same write.
    - due(now, limit) reads at most `limit` entries of the time index due by `now` (oldest first) and keeps the
      active ones whose due_at is by `now`.
    - lease() moves only the index entry to `until` (due_at stays); it needs the same active status, cursor and
      generation, and no unexpired lease.
    - wake() makes a sleeping enrollment due at `at` if it is at the same cursor/generation and still waits for
      the same event; it drops any lease.
    - record_fact() adds to a fact set once per value (same generation), counting opened/clicked/unsubscribed per
      step.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], _Row] = {}
        self.totals: dict[tuple[str, str], Counter[str]] = {}
        self.step_totals: dict[tuple[str, str], dict[str, Counter[str]]] = {}
        self._break_next_replace: Exception | None = None
        self._replaces_before_break = 0
        self.replaces = 0  # successful conditional writes: what DynamoDB would bill

    # -- test helpers --------------------------------------------------------------------------------------------
    @property
    def rows(self) -> dict[tuple[str, str, str], Enrollment]:
        """Every stored enrollment, as get() would read it."""
        return {key: self._read(row) for key, row in self._rows.items()}

    def put(self, enrollment: Enrollment, leased_until: datetime | None = None) -> None:
        """Arrange: store an enrollment as-is (its facts included), without touching any counter."""
        self._rows[_enrollment_key(enrollment)] = _Row(
            state=replace(enrollment, facts=Facts()),
            facts={
                "opened": set(enrollment.facts.opened),
                "clicked": set(enrollment.facts.clicked),
                "events": set(enrollment.facts.events),
            },
            leased_until=leased_until,
            index_at=leased_until or enrollment.due_at,
        )

    def leased_until(self, tenant_id: str, contact_id: str, sequence_id: str) -> datetime | None:
        return self._rows[(tenant_id, contact_id, sequence_id)].leased_until

    def index_at(self, tenant_id: str, contact_id: str, sequence_id: str) -> datetime | None:
        """When the time index offers the enrollment to the scheduler (its lease end while leased)."""
        return self._rows[(tenant_id, contact_id, sequence_id)].index_at

    def fact_set(self, enrollment: Enrollment, fact: str) -> set[str]:
        return set(self._rows[_enrollment_key(enrollment)].facts.get(fact, set()))

    def break_next_replace(self, error: Exception, after: int = 0) -> None:
        """After `after` more replace() calls, the next one raises `error` without writing (a crash or a timeout
        between an effect and its bookkeeping)."""
        self._break_next_replace = error
        self._replaces_before_break = after

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        totals = self.totals.get((tenant_id, sequence_id), Counter())
        steps = self.step_totals.get((tenant_id, sequence_id), {})
        return SequenceCounts(
            enrolled=totals["enrolled"],
            completed=totals["completed"],
            converted=totals["converted"],
            exited=totals["exited"],
            steps={
                step_id: StepCounts(
                    step_id=step_id,
                    sent=n["sent"],
                    opened=n["opened"],
                    clicked=n["clicked"],
                    unsubscribed=n["unsubscribed"],
                    machine_opened=n["machine_opened"],
                )
                for step_id, n in steps.items()
            },
        )

    # -- the port ------------------------------------------------------------------------------------------------
    def create(
        self, enrollment: Enrollment, replacing: Enrollment | None = None, leased_until: datetime | None = None
    ) -> bool:
        key = _enrollment_key(enrollment)
        stored = self._rows.get(key)
        if replacing is None:
            if stored is not None:
                return False
        elif stored is None or stored.state.generation != replacing.generation or stored.state.is_active:
            return False
        self._rows[key] = _Row(
            state=replace(enrollment, facts=Facts()),
            index_at=leased_until or enrollment.due_at,
            leased_until=leased_until,
        )
        self._total(enrollment, "enrolled")
        return True

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        row = self._rows.get((tenant_id, contact_id, sequence_id))
        return None if row is None else self._read(row)

    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]:
        return [
            self._read(row)
            for (tenant, contact, _), row in self._rows.items()
            if (tenant, contact) == (tenant_id, contact_id)
        ]

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        assert _enrollment_key(before) == _enrollment_key(after), "replace() never moves an enrollment"
        if self._break_next_replace is not None:
            if self._replaces_before_break == 0:
                error, self._break_next_replace = self._break_next_replace, None
                raise error
            self._replaces_before_break -= 1
        row = self._rows.get(_enrollment_key(before))
        if row is None or (row.state.status, row.state.cursor, row.state.generation) != (
            before.status,
            before.cursor,
            before.generation,
        ):
            return False
        if after.waiting_for is not None and after.waiting_for in row.facts.get("events", set()):
            return False  # as in DynamoDB: no sleeping for an event that was recorded meanwhile
        row.state = replace(row.state, **{name: getattr(after, name) for name in _STATE_FIELDS})
        self.replaces += 1
        row.leased_until = None
        row.index_at = after.due_at
        if sent_step is not None:
            self._step_total(after, sent_step, "sent")
        if after.status is not before.status and after.status in _END_COUNTERS:
            self._total(after, _END_COUNTERS[after.status])
        return True

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        indexed = [(row.index_at, key, row) for key, row in self._rows.items() if row.index_at is not None]
        page = sorted((entry for entry in indexed if entry[0] <= now), key=lambda entry: (entry[0], entry[1]))[:limit]
        found = [self._read(row) for _, _, row in page]
        return [e for e in found if e.is_active and e.due_at is not None and e.due_at <= now]

    def lease(self, enrollment: Enrollment, now: datetime, until: datetime) -> bool:
        row = self._at_cursor(enrollment)
        if row is None or (row.leased_until is not None and row.leased_until > now):
            return False
        row.leased_until = until
        row.index_at = until
        return True

    def record_fact(self, enrollment: Enrollment, fact: str, value: str) -> bool:
        row = self._rows.get(_enrollment_key(enrollment))
        if row is None or row.state.generation != enrollment.generation:
            return False
        seen = row.facts.setdefault(fact, set())
        if value in seen:
            return False
        seen.add(value)
        if fact in _FACT_COUNTERS:
            self._step_total(row.state, value, fact)
        return True

    def wake(self, enrollment: Enrollment, at: datetime) -> bool:
        row = self._at_cursor(enrollment)
        if row is None or enrollment.waiting_for is None or row.state.waiting_for != enrollment.waiting_for:
            return False
        row.state = replace(row.state, due_at=at)
        row.index_at = at
        row.leased_until = None
        return True

    # -- inside --------------------------------------------------------------------------------------------------
    def _at_cursor(self, enrollment: Enrollment) -> _Row | None:
        """The stored row if it is active at `enrollment`'s cursor and generation (the adapter's _AT_CURSOR)."""
        row = self._rows.get(_enrollment_key(enrollment))
        if row is None or not row.state.is_active:
            return None
        if (row.state.cursor, row.state.generation) != (enrollment.cursor, enrollment.generation):
            return None
        return row

    @staticmethod
    def _read(row: _Row) -> Enrollment:
        return replace(
            row.state,
            facts=Facts(
                opened=frozenset(row.facts.get("opened", ())),
                clicked=frozenset(row.facts.get("clicked", ())),
                events=frozenset(row.facts.get("events", ())),
            ),
        )

    def _total(self, enrollment: Enrollment, counter: str) -> None:
        self.totals.setdefault((enrollment.tenant_id, enrollment.sequence_id), Counter())[counter] += 1

    def _step_total(self, enrollment: Enrollment, step_id: str, counter: str) -> None:
        steps = self.step_totals.setdefault((enrollment.tenant_id, enrollment.sequence_id), {})
        steps.setdefault(step_id, Counter())[counter] += 1


def _enrollment_key(enrollment: Enrollment) -> tuple[str, str, str]:
    return (enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)


class FakeSequenceRepository:
    """Versions per (tenant, sequence), stored like DynamoDB stores them: as canonical JSON, parsed on read.

    save_new_version() refuses a version that exists (the adapter's `attribute_not_exists` put) with Conflict; a
    new version keeps the sequence's status (a paused sequence stays paused). The status lives on the head:
    current() and status() read it, version() answers the status the version was saved with, set_status() changes
    only the head. triggered_by() answers the current version of each *active* sequence with that trigger, as the
    adapter's trigger items (kept only while active) do. counts() reads the enrollment store's counters.
    """

    def __init__(self, enrollments: FakeEnrollmentStore | None = None) -> None:
        self._enrollments = enrollments or FakeEnrollmentStore()
        self._versions: dict[tuple[str, str], dict[int, dict[str, object]]] = {}
        self._head: dict[tuple[str, str], int] = {}
        self._status: dict[tuple[str, str], str] = {}
        self.saves: list[StoredSequence] = []

    def current(self, tenant_id: str, sequence_id: str) -> StoredSequence | None:
        head = self._head.get((tenant_id, sequence_id))
        if head is None:
            return None
        stored = self.version(tenant_id, sequence_id, head)
        return None if stored is None else replace(stored, status=self._status[(tenant_id, sequence_id)])

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
            status=str(row["status"]),
        )

    def listing(self, tenant_id: str) -> list[StoredSequence]:
        ids = sorted(sequence for tenant, sequence in self._head if tenant == tenant_id)
        return [found for sequence in ids if (found := self.current(tenant_id, sequence)) is not None]

    def save_new_version(self, stored: StoredSequence) -> None:
        key = (stored.tenant_id, stored.document.id)
        versions = self._versions.setdefault(key, {})
        if stored.version in versions:
            raise Conflict(f"version {stored.version} of {stored.document.id} exists")
        status = self._status.get(key, "active")
        versions[stored.version] = {
            "document": json.dumps(stored.document.canonical(), sort_keys=True),
            "content_hash": stored.content_hash,
            "created_at": stored.created_at,
            "status": status,
        }
        self._head[key] = stored.version
        self._status[key] = status
        self.saves.append(stored)

    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]:
        found = []
        for tenant, sequence_id in sorted(self._head):
            stored = self.current(tenant, sequence_id) if tenant == tenant_id else None
            if stored is not None and stored.status == "active" and stored.document.trigger.event == event_type:
                found.append(stored)
        return found

    def status(self, tenant_id: str, sequence_id: str) -> str | None:
        return self._status.get((tenant_id, sequence_id))

    def set_status(self, tenant_id: str, sequence_id: str, status: str) -> StoredSequence | None:
        if (tenant_id, sequence_id) not in self._head:
            return None
        self._status[(tenant_id, sequence_id)] = status
        return self.current(tenant_id, sequence_id)

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        return self._enrollments.counts(tenant_id, sequence_id)


class FakeContactRepository:
    """Contacts found by (tenant, lower-cased email); upsert() creates on first sight, then sets given fields.

    set_attributes() and count_soft_bounce() need an existing contact (MissingContact otherwise, as the adapter's
    `attribute_exists` condition); unsubscribe() (link, hard bounce or complaint) is True only the first time for
    an existing contact.
    """

    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], Contact] = {}
        self.attribute_writes: list[tuple[str, str, dict[str, Any]]] = []
        self.unsubscribes: dict[tuple[str, str], tuple[datetime, str]] = {}
        self.soft_bounces: Counter[tuple[str, str]] = Counter()
        self._ids = 0

    # -- test helpers --------------------------------------------------------------------------------------------
    def add(self, contact: Contact) -> Contact:
        """Arrange: store a contact as-is."""
        self.contacts[(contact.tenant_id, contact.contact_id)] = contact
        return contact

    def erase(self, tenant_id: str, contact_id: str) -> None:
        """The contact is deleted (e.g. a data-erasure request)."""
        del self.contacts[(tenant_id, contact_id)]

    # -- the port ------------------------------------------------------------------------------------------------
    def upsert(self, tenant_id: str, data: ContactData) -> Contact:
        existing = self.find_by_email(tenant_id, data.email)
        if existing is None:
            self._ids += 1
            existing = Contact(
                tenant_id=tenant_id, contact_id=f"contact-{self._ids}", email=data.email, created_now=True
            )
        given = {name: getattr(data, name) for name in ("first_name", "last_name", "timezone")}
        updated = replace(
            existing,
            **{name: value for name, value in given.items() if value is not None},
            attributes={**existing.attributes, **data.attributes},
        )
        self.contacts[(tenant_id, updated.contact_id)] = replace(updated, created_now=False)
        return updated

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        return self.contacts.get((tenant_id, contact_id))

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        return next(
            (c for (tenant, _), c in self.contacts.items() if tenant == tenant_id and c.email == email.lower()),
            None,
        )

    def set_attributes(self, tenant_id: str, contact_id: str, values: dict[str, Any]) -> None:
        existing = self.get(tenant_id, contact_id)
        if existing is None:
            raise MissingContact(contact_id)
        self.attribute_writes.append((tenant_id, contact_id, dict(values)))
        self.contacts[(tenant_id, contact_id)] = replace(existing, attributes={**existing.attributes, **values})

    def count_soft_bounce(self, tenant_id: str, contact_id: str) -> None:
        if self.get(tenant_id, contact_id) is None:
            raise MissingContact(contact_id)
        self.soft_bounces[(tenant_id, contact_id)] += 1

    def unsubscribe(self, tenant_id: str, contact_id: str, at: datetime, source: str) -> bool:
        existing = self.get(tenant_id, contact_id)
        if existing is None or existing.unsubscribed:
            return False
        self.contacts[(tenant_id, contact_id)] = replace(existing, unsubscribed=True)
        self.unsubscribes[(tenant_id, contact_id)] = (at, source)
        return True


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


class FakeApiKeyStore:
    """API key records by (tenant, hash), as the table keeps them; revoke() deletes by the hash's first 16 digits."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ApiKeyRecord] = {}
        self.lookups = 0

    def add(self, record: ApiKeyRecord) -> None:
        assert (record.tenant_id, record.key_hash) not in self.records, "the adapter's put is conditional"
        self.records[(record.tenant_id, record.key_hash)] = record

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        self.lookups += 1
        return self.records.get((tenant_id, key_hash))

    def of_tenant(self, tenant_id: str) -> list[ApiKeyRecord]:
        return [record for (tenant, _), record in sorted(self.records.items()) if tenant == tenant_id]

    def revoke(self, tenant_id: str, key_id: str) -> bool:
        doomed = [key for key in self.records if key[0] == tenant_id and key[1].startswith(key_id)]
        for key in doomed:
            del self.records[key]
        return bool(doomed)


class FakeEventRateLimiter:
    """Per (tenant, second) counters that stop at the limit, like the adapter's conditional ADD."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()

    def take(self, tenant_id: str, second: int, limit: int) -> bool:
        if self.counts[(tenant_id, second)] >= limit:
            return False
        self.counts[(tenant_id, second)] += 1
        return True


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
    """Records delivered emails (and, given a clock, when); fails the first `fail_times` attempts with ProviderError."""

    def __init__(self, fail_times: int = 0, clock: FakeClock | None = None) -> None:
        self.sent: list[OutgoingEmail] = []
        self.sent_at: list[datetime] = []
        self.attempts = 0
        self.clock = clock
        self._failures_left = fail_times
        self._successes_before_failing = 0

    def fail_next(self, times: int, after: int = 0) -> None:
        """The next `times` attempts fail, once `after` more attempts have succeeded."""
        self._failures_left = times
        self._successes_before_failing = after

    def send(self, email: OutgoingEmail) -> str:
        self.attempts += 1
        if self._failures_left and self._successes_before_failing:
            self._successes_before_failing -= 1
        elif self._failures_left:
            self._failures_left -= 1
            raise ProviderError("provider throttled the request")
        self.sent.append(email)
        if self.clock is not None:
            self.sent_at.append(self.clock.now())
        return f"provider-{len(self.sent)}"


class FakeWebhookCaller:
    """Records each delivered POST as (url, body, idempotency key); fails the next `fail_next(n)` calls."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.private_allowed: list[bool] = []  # what each attempt was told about private targets
        self.attempts = 0
        self.status = status
        self._failures_left = 0

    def fail_next(self, times: int) -> None:
        self._failures_left = times

    def post(self, url: str, body: dict[str, Any], idempotency_key: str, allow_private: bool = False) -> int:
        self.attempts += 1
        self.private_allowed.append(allow_private)
        if self._failures_left:
            self._failures_left -= 1
            raise WebhookError("receiver answered 503")
        self.calls.append((url, dict(body), idempotency_key))
        return self.status


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


class FakeAuditStore:
    """The chain's items per tenant: entries by seq, kept checkpoints, the head; append() applies the adapter's
    condition (the head is still at entry.seq - 1). `lose_next_race()` makes the next append find it moved."""

    def __init__(self) -> None:
        self.entries_by_tenant: dict[str, dict[int, AuditEntry]] = {}
        self.kept: dict[str, list[Checkpoint]] = {}
        self.heads: dict[str, Checkpoint] = {}
        self._races_to_lose = 0

    def lose_next_race(self, times: int = 1) -> None:
        self._races_to_lose = times

    def head(self, tenant_id: str) -> Checkpoint | None:
        return self.heads.get(tenant_id)

    def append(self, entry: AuditEntry, head: Checkpoint, keep_checkpoint: bool) -> bool:
        if self._races_to_lose:
            self._races_to_lose -= 1
            return False
        current = self.heads.get(entry.tenant_id)
        if (current.seq if current else 0) != entry.seq - 1:
            return False
        self.entries_by_tenant.setdefault(entry.tenant_id, {})[entry.seq] = entry
        self.heads[entry.tenant_id] = head
        if keep_checkpoint:
            self.kept.setdefault(entry.tenant_id, []).append(head)
        return True

    def entries(self, tenant_id: str, after_seq: int, limit: int) -> list[AuditEntry]:
        stored = self.entries_by_tenant.get(tenant_id, {})
        return [stored[seq] for seq in sorted(stored) if seq > after_seq][:limit]

    def checkpoints(self, tenant_id: str) -> list[Checkpoint]:
        kept = list(self.kept.get(tenant_id, []))
        head = self.heads.get(tenant_id)
        return kept + ([head] if head and all(c.seq != head.seq for c in kept) else [])


class FakeConsentStore:
    """Consents by (tenant, contact, list): request() keeps a confirmed one and replaces a pending one; confirm()
    applies only to the pending request it confirms (the adapter's conditions)."""

    def __init__(self) -> None:
        self.consents: dict[tuple[str, str, str], Consent] = {}

    def request(self, consent: Consent) -> Consent:
        key = (consent.tenant_id, consent.contact_id, consent.list_id)
        stored = self.consents.get(key)
        if stored is not None and stored.is_confirmed:
            return stored
        self.consents[key] = consent
        return consent

    def get(self, tenant_id: str, contact_id: str, list_id: str) -> Consent | None:
        return self.consents.get((tenant_id, contact_id, list_id))

    def confirm(self, confirmed: Consent) -> bool:
        key = (confirmed.tenant_id, confirmed.contact_id, confirmed.list_id)
        stored = self.consents.get(key)
        if stored is None or stored.is_confirmed or stored.requested_at != confirmed.requested_at:
            return False
        self.consents[key] = confirmed
        return True


class FakeOrderQueue:
    """Orders enqueued, in order (any kind: opt-in confirmations here)."""

    def __init__(self) -> None:
        self.orders: list[Any] = []

    def enqueue(self, commands: list[Any]) -> None:
        self.orders.extend(commands)


class FakeContactPrivacy:
    """GDPR over FakeContactRepository: export() gives the contact's fields; erase() removes it and keeps the
    address only as a suppression (`erased`), as the adapter keeps a blind-index tombstone."""

    def __init__(self, contacts: FakeContactRepository) -> None:
        self._contacts = contacts
        self.erased: dict[tuple[str, str], datetime] = {}  # (tenant, address) → when

    def export(self, tenant_id: str, contact_id: str) -> dict[str, Any] | None:
        contact = self._contacts.get(tenant_id, contact_id)
        return dataclasses.asdict(contact) if contact is not None else None

    def erase(self, tenant_id: str, contact_id: str, at: datetime) -> bool:
        contact = self._contacts.get(tenant_id, contact_id)
        if contact is None:
            return False
        self._contacts.erase(tenant_id, contact_id)
        self.erased[(tenant_id, contact.email)] = at
        return True


class FakeAuditTrail:
    """What was recorded, as (tenant, actor, action, subject, details); the chain itself is tested apart
    (test_audit_chain, with FakeAuditStore)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, str, dict[str, Any]]] = []

    def record(self, tenant_id: str, actor: str, action: str, subject: str, details: dict[str, Any]) -> None:
        self.entries.append((tenant_id, actor, action, subject, details))


class FakeArchivedMessages:
    """Archived message ids per (tenant, contact)."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], list[str]] = {}

    def for_contact(self, tenant_id: str, contact_id: str) -> list[str]:
        return list(self.messages.get((tenant_id, contact_id), []))

    def delete_for_contact(self, tenant_id: str, contact_id: str) -> int:
        return len(self.messages.pop((tenant_id, contact_id), []))


class FakeSendRateLimiter:
    """The adapter's conditional ADD: a window (tenant or account=None, second) takes a slot while its count is
    under the limit asked for. `asked` records every call as (tenant, second, limit, taken)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str | None, int]] = Counter()
        self.asked: list[tuple[str | None, int, int, bool]] = []

    def reserve(self, tenant_id: str | None, second: int, limit: int) -> bool:
        taken = self.counts[(tenant_id, second)] < limit
        if taken:
            self.counts[(tenant_id, second)] += 1
        self.asked.append((tenant_id, second, limit, taken))
        return taken


@dataclass
class FakeSendQuota:
    """The account's SES quota, as the test sets it."""

    quota: SendQuota = field(default_factory=lambda: SendQuota(max_send_rate=14.0, max_24_hour_send=50_000.0))

    def current(self) -> SendQuota:
        return self.quota


class FakeTenantSettings:
    """Settings per tenant; a tenant never configured gets the defaults, as the adapter answers."""

    def __init__(self) -> None:
        self.saved: dict[str, TenantSettings] = {}

    def get(self, tenant_id: str) -> TenantSettings:
        return self.saved.get(tenant_id, TenantSettings())

    def put(self, tenant_id: str, settings: TenantSettings) -> None:
        self.saved[tenant_id] = settings


@dataclass
class FakeOrderReads:
    """The order's three reads over the other fakes, as one request; read ahead, a snapshot handed out once
    (as the adapter does). `requests` counts the requests."""

    enrollments: "FakeEnrollmentStore"
    sequences: "FakeSequenceRepository"
    contacts: "FakeContactRepository"
    requests: int = 0
    ahead: dict[tuple[str, str, str], OrderState] = field(default_factory=dict)

    def read_ahead(self, orders: list[tuple[str, str, str]]) -> None:
        self.requests += 1 if orders else 0
        self.ahead = {order: self._state(*order) for order in orders}

    def read(self, tenant_id: str, contact_id: str, sequence_id: str) -> OrderState:
        ahead = self.ahead.pop((tenant_id, contact_id, sequence_id), None)
        if ahead is not None:
            return ahead
        self.requests += 1
        return self._state(tenant_id, contact_id, sequence_id)

    def _state(self, tenant_id: str, contact_id: str, sequence_id: str) -> OrderState:
        return OrderState(
            enrollment=self.enrollments.get(tenant_id, contact_id, sequence_id),
            status=self.sequences.status(tenant_id, sequence_id),
            contact=self.contacts.get(tenant_id, contact_id),
        )


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
    webhooks: FakeWebhookCaller = field(default_factory=FakeWebhookCaller)
    signer: LinkSigner | None = None
    # The send rate (and the tenant settings it reads): off unless a test gives all three.
    tenant_settings: FakeTenantSettings | None = None
    limiter: FakeSendRateLimiter | None = None
    quota: FakeSendQuota | None = None
    sequences: FakeSequenceRepository = field(init=False)
    # The step worker's reads: one request per order, as deployed (False: the three ports read one by one).
    batched_reads: bool = True
    reads: FakeOrderReads = field(init=False)
    delivered: int = field(default=0, init=False)  # how many queued orders deliver() has run so far

    def __post_init__(self) -> None:
        self.sequences = FakeSequenceRepository(self.enrollments)
        self.reads = FakeOrderReads(self.enrollments, self.sequences, self.contacts)
        if self.mailer.clock is None:
            self.mailer.clock = self.clock

    def deliver(self) -> list[DomainEvent]:
        """The step worker: run every order queued since the last delivery, in queue order."""
        happened: list[DomainEvent] = []
        while self.delivered < len(self.queue.orders):
            order = self.queue.orders[self.delivered]
            self.delivered += 1
            happened += run_step(self.step_ports(), order)
        return happened

    def tick(self) -> list[DomainEvent]:
        """The scheduler runs and its orders are delivered, until nothing more is due."""
        happened = self.deliver()
        while dispatch_all_due(self.schedule_ports(), page_size=50, max_pages=10):
            happened += self.deliver()
        return happened

    def enroll_ports(self) -> EnrollPorts:
        return EnrollPorts(
            contacts=self.contacts,
            sequences=self.sequences,
            enrollments=self.enrollments,
            queue=self.queue,
            bus=self.bus,
            clock=self.clock,
        )

    def step_ports(self) -> StepPorts:
        return StepPorts(
            contacts=self.contacts,
            sequences=self.sequences,
            enrollments=self.enrollments,
            mailer=self.mailer,
            once=self.once,
            bus=self.bus,
            clock=self.clock,
            webhooks=self.webhooks,
            signer=self.signer,
            settings=self.tenant_settings,
            limiter=self.limiter,
            quota=self.quota,
            reads=self.reads if self.batched_reads else None,
        )

    def schedule_ports(self) -> SchedulePorts:
        return SchedulePorts(enrollments=self.enrollments, queue=self.queue, clock=self.clock)

    def tracking_ports(self) -> TrackingPorts:
        return TrackingPorts(contacts=self.contacts, enrollments=self.enrollments, clock=self.clock, bus=self.bus)

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


class FakeSpamChecker:
    """Answers a fixed report, or raises SpamCheckUnavailable (spamd down) when given `unavailable`; keeps every
    raw message it was asked to score."""

    def __init__(self, report: SpamReport | None = None, unavailable: str | None = None) -> None:
        self.report = report or SpamReport(score=1.5, threshold=5.0, is_spam=False, rules=())
        self.unavailable = unavailable
        self.checked: list[bytes] = []

    def check(self, message: bytes) -> SpamReport:
        self.checked.append(message)
        if self.unavailable is not None:
            raise SpamCheckUnavailable(self.unavailable)
        return self.report


@dataclass
class FakeQpu:
    """A remote QAOA device (a QaoaSampler): queued for `pending_polls` polls, then returns the given counts."""

    results: dict[str, int]
    pending_polls: int = 2
    name: str = "fake-qpu"
    device: str = "arn:fake:device/qpu"
    stand_in: str | None = None
    submitted: list[tuple[Any, int]] = field(default_factory=list)

    def submit(self, program: Any, shots: int) -> str:
        self.submitted.append((program, shots))
        return f"task-{len(self.submitted)}"

    def status(self, job_id: str) -> str:
        if self.pending_polls:
            self.pending_polls -= 1
            return "PENDING"
        return "COMPLETED"

    def counts(self, job_id: str) -> dict[str, int]:
        return self.results

    def stats(self, program: Any) -> Any:
        from emailseq.domain.optimisation.qaoa import CircuitStats

        return CircuitStats(program.qubits, len(program.j), 3, "fake device")


class FakeQuantumJobStore:
    """Quantum job records by (tenant, id), with the store's queued/running → running transition."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], Any] = {}

    def create(self, job: Any) -> None:
        assert (job.tenant_id, job.job_id) not in self.jobs
        self.jobs[(job.tenant_id, job.job_id)] = job

    def get(self, tenant_id: str, job_id: str) -> Any:
        return self.jobs.get((tenant_id, job_id))

    def start(self, tenant_id: str, job_id: str, at: datetime) -> bool:
        from emailseq.domain.quantum_jobs import QuantumJobStatus

        job = self.jobs.get((tenant_id, job_id))
        if job is None or job.finished:
            return False
        self.jobs[(tenant_id, job_id)] = replace(job, status=QuantumJobStatus.RUNNING, started_at=at)
        return True

    def finish(
        self, tenant_id: str, job_id: str, status: Any, at: datetime, error: str | None, note: str | None
    ) -> None:
        job = self.jobs[(tenant_id, job_id)]
        self.jobs[(tenant_id, job_id)] = replace(job, status=status, finished_at=at, error=error, quantum_note=note)


class FakeQuantumResults:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def put(self, key: str, document: dict[str, Any]) -> None:
        self.documents[key] = json.loads(json.dumps(document))  # what S3 keeps: JSON

    def get(self, key: str) -> dict[str, Any] | None:
        return self.documents.get(key)


class FakeQuantumJobQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, tenant_id: str, job_id: str) -> None:
        self.sent.append((tenant_id, job_id))


class FakeAnalyticsStore:
    """Day counters, step totals and export rows in dicts; `count` applies a tally once per business key, as the
    adapter's conditional marker does. `last_click` keeps the newest click only."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.days: dict[tuple[str, str, str, str | None], Counter[str]] = {}  # (tenant, sequence, day, step)
        self.totals: dict[tuple[str, str, str], Counter[str]] = {}  # (tenant, sequence, step)
        self.exported: list[tuple[str, str, str, dict[str, Any]]] = []  # (tenant, sequence, day, row)
        self.clicks: dict[tuple[str, str, str], Any] = {}

    def count(self, tally: Any) -> bool:
        if tally.key in self.seen:
            return False
        self.seen.add(tally.key)
        for step, metric in tally.counters:
            self.days.setdefault((tally.tenant_id, tally.sequence_id, tally.day, step), Counter())[metric] += 1
        for step, metric in tally.totals:
            self.totals.setdefault((tally.tenant_id, tally.sequence_id, step), Counter())[metric] += 1
        row = {"at": tally.at.isoformat(), "event": tally.event, "contact_id": tally.contact_id}
        self.exported.append(
            (tally.tenant_id, tally.sequence_id, tally.day, {**row, "step_id": tally.step_id, **tally.detail})
        )
        return True

    def note_click(self, tenant_id: str, contact_id: str, sequence_id: str, click: Any) -> None:
        kept = self.clicks.get((tenant_id, contact_id, sequence_id))
        if kept is None or kept.at < click.at:
            self.clicks[(tenant_id, contact_id, sequence_id)] = click

    def last_click(self, tenant_id: str, contact_id: str, sequence_id: str) -> Any:
        return self.clicks.get((tenant_id, contact_id, sequence_id))

    def daily(self, tenant_id: str, sequence_id: str, first: Any, last: Any) -> list[Any]:
        return [
            (day, step, dict(counts))
            for (tenant, sequence, day, step), counts in sorted(self.days.items(), key=lambda kv: str(kv[0]))
            if (tenant, sequence) == (tenant_id, sequence_id) and first.isoformat() <= day <= last.isoformat()
        ]

    def rows(self, tenant_id: str, sequence_id: str, first: Any, last: Any) -> Any:
        for tenant, sequence, day, row in self.exported:
            if (tenant, sequence) == (tenant_id, sequence_id) and first.isoformat() <= day <= last.isoformat():
                yield row


class FakeFiles:
    """S3 objects as texts; download links are fake presigned URLs naming the key."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def put_text(self, key: str, text: str) -> None:
        self.objects[key] = text

    def download_url(self, key: str, expires_seconds: int) -> str:
        return f"https://bucket.example/{key}?X-Amz-Expires={expires_seconds}"


class FakeWebhookStore:
    """Subscriptions, delivery log and delivered-markers in dicts (the log is kept in the order written)."""

    def __init__(self) -> None:
        self.subscriptions: dict[tuple[str, str], Any] = {}
        self.logged: list[tuple[str, Any]] = []
        self.delivered: set[tuple[str, str, str]] = set()

    def put(self, subscription: Any) -> None:
        self.subscriptions[(subscription.tenant_id, subscription.subscription_id)] = subscription

    def get(self, tenant_id: str, subscription_id: str) -> Any:
        return self.subscriptions.get((tenant_id, subscription_id))

    def of_tenant(self, tenant_id: str) -> list[Any]:
        return [s for (tenant, _), s in self.subscriptions.items() if tenant == tenant_id]

    def delete(self, tenant_id: str, subscription_id: str) -> bool:
        return self.subscriptions.pop((tenant_id, subscription_id), None) is not None

    def log(self, tenant_id: str, attempt: Any) -> None:
        self.logged.append((tenant_id, attempt))

    def deliveries(self, tenant_id: str, subscription_id: str, cursor: str | None, limit: int) -> Any:
        from emailseq.domain.ports import Page

        mine = [a for t, a in reversed(self.logged) if t == tenant_id and a.subscription_id == subscription_id]
        return Page(mine[:limit])

    def mark_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> None:
        self.delivered.add((tenant_id, subscription_id, event_id))

    def was_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> bool:
        return (tenant_id, subscription_id, event_id) in self.delivered


class FakeWebhookPoster:
    """Records each POST (url, body, headers); answers `statuses` in turn (then 200), or raises what it is given."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []
        self.private_allowed: list[bool] = []  # what each POST was told about private targets

    def post(self, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> int:
        self.posts.append((url, body, headers))
        self.private_allowed.append(allow_private)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeLiveConnections:
    """Open WebSocket connections by id, each with its tenant and expiry (the adapter's TTL)."""

    def __init__(self) -> None:
        self.connections: dict[str, tuple[str, datetime]] = {}

    def add(self, tenant_id: str, connection_id: str, now: datetime) -> None:
        self.connections[connection_id] = (tenant_id, now + timedelta(hours=3))

    def remove(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)

    def of_tenant(self, tenant_id: str) -> list[str]:
        return sorted(cid for cid, (tenant, _) in self.connections.items() if tenant == tenant_id)


class FakeLivePusher:
    """Records what each connection received; connections in `gone` answer as API Gateway's 410 would."""

    def __init__(self, gone: set[str] | None = None) -> None:
        self.gone = gone or set()
        self.received: dict[str, list[bytes]] = {}

    def push(self, connection_id: str, message: bytes) -> bool:
        if connection_id in self.gone:
            return False
        self.received.setdefault(connection_id, []).append(message)
        return True


class FakeStructuredWriter:
    """A language model that answers with queued objects, one per call, and records what it was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str, type[Any]]] = []

    def write(self, instructions: str, prompt: str, shape: type[Any]) -> Any:
        self.asked.append((instructions, prompt, shape))
        answer = self.answers.pop(0)
        return answer if isinstance(answer, shape) else shape.model_validate(answer)


class FakeMessageReferences:
    """Message id → (tenant, contact), as the sender's archive remembers them."""

    def __init__(self) -> None:
        self.refs: dict[str, tuple[str, str]] = {}

    def remember(self, message_id: str, tenant_id: str, contact_id: str) -> None:
        self.refs[message_id.strip("<>")] = (tenant_id, contact_id)

    def find(self, message_ids: list[str]) -> tuple[str, str] | None:
        for message_id in message_ids:
            bare = message_id.strip("<>")
            for candidate in (bare, bare.split("@", 1)[0]):
                if candidate in self.refs:
                    return self.refs[candidate]
        return None


class FakeSentimentModel:
    """Answers one fixed sentiment and records the texts it read."""

    def __init__(self, sentiment: str = "neutral", confidence: float = 0.9) -> None:
        self.answer = (sentiment, confidence)
        self.read: list[str] = []

    def sentiment(self, text: str) -> tuple[Any, float]:
        self.read.append(text)
        return self.answer


class FakeReplyLog:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, str, dict[str, Any], datetime]] = []

    def record(self, tenant_id: str, contact_id: str, reply_id: str, reading: dict[str, Any], at: datetime) -> None:
        self.records.append((tenant_id, contact_id, reply_id, reading, at))


class FakeContentBlocks:
    """Content blocks in a dict keyed (tenant, collection, block id); counts the collection reads it answered."""

    def __init__(self) -> None:
        self.blocks: dict[tuple[str, str, str], ContentBlock] = {}
        self.collection_reads = 0

    def put(self, block: ContentBlock) -> None:
        self.blocks[(block.tenant_id, block.collection, block.block_id)] = block

    def get(self, tenant_id: str, collection: str, block_id: str) -> ContentBlock | None:
        return self.blocks.get((tenant_id, collection, block_id))

    def delete(self, tenant_id: str, collection: str, block_id: str) -> bool:
        return self.blocks.pop((tenant_id, collection, block_id), None) is not None

    def collection(self, tenant_id: str, collection: str) -> list[ContentBlock]:
        self.collection_reads += 1
        return [b for (t, c, _), b in self.blocks.items() if (t, c) == (tenant_id, collection)]

    def count(self, tenant_id: str, collection: str) -> int:
        return sum(1 for t, c, _ in self.blocks if (t, c) == (tenant_id, collection))

    def with_url(self, tenant_id: str, url: str) -> list[ContentBlock]:
        return [b for (t, _, _), b in self.blocks.items() if t == tenant_id and normalise_url(b.url) == url]

    def many(self, tenant_id: str, keys: list[str]) -> list[ContentBlock]:
        return [b for (t, _, _), b in self.blocks.items() if t == tenant_id and b.key in keys]


class FakeContentProfiles:
    """Profiles with the adapter's version check (a save on a stale version is refused); `interests` per contact."""

    def __init__(self) -> None:
        self.profiles: dict[tuple[str, str], ContentProfile] = {}
        self.contact_interests: dict[tuple[str, str], str] = {}
        self.reads = 0
        self.refuse_saves = 0  # the next N saves lose a race to another writer

    def get(self, tenant_id: str, contact_id: str) -> ContentProfile | None:
        self.reads += 1
        return self.profiles.get((tenant_id, contact_id))

    def save(self, profile: ContentProfile) -> bool:
        stored = self.profiles.get((profile.tenant_id, profile.contact_id))
        if self.refuse_saves or (stored.version if stored else 0) != profile.version:
            self.refuse_saves = max(0, self.refuse_saves - 1)
            return False
        self.profiles[(profile.tenant_id, profile.contact_id)] = replace(profile, version=profile.version + 1)
        return True

    def interests(self, tenant_id: str, contact_id: str) -> str | None:
        return self.contact_interests.get((tenant_id, contact_id))


class FakeTextEmbedder:
    """Hand-written vectors: each text maps to the unit vector given for it (texts it was not told are refused)."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> list[bytes]:
        self.embedded += texts
        return [array("f", self.vectors[text]).tobytes() for text in texts]
