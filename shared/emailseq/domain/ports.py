"""The ports the logic talks through. Adapters live in emailseq.dal (AWS) and in tests (hand-written fakes)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from emailseq.domain.ai.bandit import ArmStats
from emailseq.domain.ai.score import EngagementProfile, ScoreModel
from emailseq.domain.ai.send_time import OpenHistogram
from emailseq.domain.analytics import LastClick, Tally
from emailseq.domain.api_keys import ApiKeyRecord
from emailseq.domain.attributes import AttributeSchema, AttributeType
from emailseq.domain.consent import Consent
from emailseq.domain.content import ContentBlock, ContentProfile
from emailseq.domain.deliverability import SpamReport
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.imports import ImportRecord, ImportStatus
from emailseq.domain.messages import ContactData, DomainEvent, RecordEvent, SendOptInConfirmation, SendStep
from emailseq.domain.optimisation.qaoa import CircuitStats, QaoaProgram
from emailseq.domain.quantum_jobs import QuantumJob, QuantumJobStatus
from emailseq.domain.rate import SendQuota
from emailseq.domain.replies import Sentiment
from emailseq.domain.segments import Membership, SegmentDefinition
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.tenant import TenantSettings
from emailseq.domain.webhooks import DeliverWebhook, DeliveryAttempt, Subscription


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
    lists: frozenset[str] = frozenset()  # ids of the lists the contact is a member of
    last_opened_at: datetime | None = None  # engagement, for segments (any email of any sequence)
    last_clicked_at: datetime | None = None
    # Made by the very upsert that returned it: it can be in no sequence yet (the enroller skips the lookup).
    created_now: bool = field(default=False, compare=False)


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
    delivered: int = 0
    bounced: int = 0
    converted: int = 0  # conversions attributed to this email (its link was the last clicked, within the window)


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
    def listing(self, tenant_id: str) -> list[StoredSequence]:
        """Every sequence of the tenant (current version, status), ordered by id."""
        ...

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


class ContactPrivacy(Protocol):
    """GDPR access and erasure of one contact's stored data."""

    def export(self, tenant_id: str, contact_id: str) -> dict[str, Any] | None:
        """Everything the contact's profile holds, decrypted (PII, attributes, consent); None if unknown."""
        ...

    def erase(self, tenant_id: str, contact_id: str, at: datetime) -> bool:
        """Remove the profile (PII and attributes); the address survives only as a suppressing blind index."""
        ...


class ArchivedMessages(Protocol):
    """The sent messages (raw MIME) kept for a contact."""

    def for_contact(self, tenant_id: str, contact_id: str) -> list[str]:
        """The provider message ids archived for the contact."""
        ...

    def delete_for_contact(self, tenant_id: str, contact_id: str) -> int: ...


class ContactBatches(ContactRepository, Protocol):
    """What imports, lists and segments need of the contacts beyond one-at-a-time upserts."""

    def upsert_many(self, tenant_id: str, rows: list[ContactData]) -> list[Contact]:
        """Create or update many contacts at once (an import chunk); answers them as stored now."""
        ...

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> list[Contact]: ...

    def note_engagement(self, tenant_id: str, contact_id: str, kind: str, at: datetime) -> Contact | None:
        """Remember the contact's latest `kind` (opened, clicked); None when the contact is gone."""
        ...

    def set_list_membership(self, tenant_id: str, contact_id: str, list_id: str, member: bool) -> Contact | None: ...


class EnrollmentStore(Protocol):
    def create(
        self, enrollment: Enrollment, replacing: Enrollment | None = None, leased_until: datetime | None = None
    ) -> bool:
        """Store a new enrollment unless the contact already has one for the sequence (or, when `replacing` an
        ended one for re-enrollment, unless that one changed meanwhile); True when created. With `leased_until`
        it is stored already leased for its first step, as lease() would (one write instead of two)."""
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


@dataclass(frozen=True)
class OrderState:
    """What a send order is checked against: its enrollment, its sequence's status, its contact (None: not found)."""

    enrollment: Enrollment | None
    status: str | None
    contact: Contact | None


class OrderReads(Protocol):
    def read_ahead(self, orders: list[tuple[str, str, str]]) -> None:
        """Read the state of these (tenant, contact, sequence) orders now, in as few requests as the store allows;
        what is read ahead replaces what an earlier call read ahead."""
        ...

    def read(self, tenant_id: str, contact_id: str, sequence_id: str) -> OrderState:
        """The three, each read consistently: read ahead (handed out once), else in one request now."""
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
    def post(self, url: str, body: dict[str, Any], idempotency_key: str, allow_private: bool = False) -> int:
        """POST the JSON body, signed; returns the status (0: the target was refused, not public and not
        allowed). Raises on a passing failure so the step is retried."""
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


class AuditTrail(Protocol):
    def record(self, tenant_id: str, actor: str, action: str, subject: str, details: dict[str, Any]) -> object:
        """Append an entry to the tenant's tamper-evident log (no addresses or names in it: ids only)."""
        ...


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    cursor: str | None = None  # where the next page starts; None on the last page


@dataclass(frozen=True)
class ContactList:
    list_id: str
    name: str
    double_opt_in: bool
    created_at: datetime


@dataclass(frozen=True)
class StoredSegment:
    segment_id: str
    definition: SegmentDefinition
    created_at: datetime


@dataclass(frozen=True)
class MemberEntry:
    contact_id: str
    since: datetime
    until: datetime | None = None  # a segment match that lapses then (see domain.segments)


class AudienceStore(Protocol):
    """The tenant's attribute schema, lists and segments, and their members."""

    def schema(self, tenant_id: str) -> AttributeSchema: ...
    def declare(self, tenant_id: str, name: str, kind: AttributeType) -> None: ...
    def put_list(self, tenant_id: str, contact_list: ContactList) -> None: ...
    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None: ...
    def delete_list(self, tenant_id: str, list_id: str) -> None: ...
    def lists(self, tenant_id: str, cursor: str | None, limit: int) -> Page[ContactList]: ...
    def put_segment(self, tenant_id: str, segment: StoredSegment) -> None: ...
    def get_segment(self, tenant_id: str, segment_id: str) -> StoredSegment | None: ...
    def delete_segment(self, tenant_id: str, segment_id: str) -> None: ...
    def segments(self, tenant_id: str, cursor: str | None, limit: int) -> Page[StoredSegment]: ...
    def all_segments(self, tenant_id: str) -> list[StoredSegment]:
        """Every segment of the tenant (cached briefly: evaluated on every contact change)."""
        ...

    def set_list_members(
        self, tenant_id: str, list_id: str, contact_ids: list[str], member: bool, at: datetime
    ) -> None: ...
    def set_segment_members(self, tenant_id: str, changes: list[tuple[str, str, Membership]], at: datetime) -> None:
        """(segment id, contact id, membership) each: a match is (re)written, a non-match removed."""
        ...

    def members(self, tenant_id: str, kind: str, owner_id: str, cursor: str | None, limit: int) -> Page[MemberEntry]:
        """Members of list or segment (`kind`) `owner_id`, in contact id order."""
        ...

    def directory(self, tenant_id: str, shard: int, cursor: str | None, limit: int) -> Page[Contact]:
        """One shard of the tenant's contacts (a Query of the `directory` index, never a Scan)."""
        ...


@dataclass(frozen=True)
class ImportChunk:
    """Order to import rows [first_row, first_row + rows) of an uploaded file, starting at byte `offset`."""

    tenant_id: str
    import_id: str
    index: int
    offset: int
    line: int  # the file line the chunk's first row starts on (the header is line 1)
    rows: int


@dataclass(frozen=True)
class BackfillPage:
    """Order to evaluate a new segment for one page of one directory shard of the tenant's contacts."""

    tenant_id: str
    segment_id: str
    shard: int
    cursor: str | None = None


class ImportStore(Protocol):
    def create(self, record: ImportRecord) -> None: ...
    def get(self, tenant_id: str, import_id: str) -> ImportRecord | None: ...
    def begin(self, tenant_id: str, import_id: str, total: int, chunks: int, columns: list[str]) -> bool:
        """waiting → running, with the row count; False if it had begun already (a repeated upload event)."""
        ...

    def complete_chunk(self, chunk: ImportChunk, good: int, bad: int) -> ImportRecord | None:
        """Count a chunk once (a marker per chunk index, written with the counters in one transaction);
        the record after it, or None when this chunk had been counted before."""
        ...

    def finish(
        self, tenant_id: str, import_id: str, status: ImportStatus, reason: str | None, report: bool
    ) -> None: ...


class ImportFiles(Protocol):
    def upload_url(self, key: str, expires_seconds: int) -> str: ...
    def download_url(self, key: str, expires_seconds: int) -> str: ...
    def lines(self, key: str, offset: int = 0) -> Iterator[bytes]:
        """The object's lines from byte `offset`, each with its line ending (so offsets can be counted)."""
        ...

    def put_text(self, key: str, text: str) -> None: ...
    def texts(self, prefix: str) -> list[str]:
        """The contents of every object under `prefix`, in key order."""
        ...


class WorkQueue(Protocol):
    def send(self, orders: list[ImportChunk | BackfillPage]) -> None: ...


class SpamChecker(Protocol):
    def check(self, message: bytes) -> SpamReport:
        """Score a raw RFC 5322 message; raises SpamCheckUnavailable when the checker cannot answer."""


class SendRateLimiter(Protocol):
    def reserve(self, tenant_id: str | None, second: int, limit: int) -> bool:
        """Take one of `limit` send slots in the one-second window `second` (epoch seconds) of a tenant, or of the
        whole account when `tenant_id` is None; False when the window is full. A slot taken is never given back
        (a send that then fails wastes it: the limit errs on the slow side)."""
        ...


class SendQuotaSource(Protocol):
    def current(self) -> SendQuota:
        """The account's sending limits (cached for minutes; a fallback when the provider cannot say)."""


class TokenKeys(Protocol):
    def key_for(self, kid: str) -> str | None:
        """The token signing key with this id, or None when the key set has no such key (any more)."""
        ...


class ApiKeyStore(Protocol):
    def add(self, record: ApiKeyRecord) -> None: ...
    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None: ...
    def of_tenant(self, tenant_id: str) -> list[ApiKeyRecord]: ...
    def revoke(self, tenant_id: str, key_id: str) -> bool:
        """Delete the tenant's key whose id is `key_id`; False when it has none."""
        ...


class EventRateLimiter(Protocol):
    def take(self, tenant_id: str, second: int, limit: int) -> bool:
        """Count one event for the tenant in this (epoch) second; False when `limit` were already counted."""
        ...


class QaoaSampler(Protocol):
    """Where a QAOA circuit is sampled: a local simulator or a remote device (submit, then poll, then fetch)."""

    name: str
    device: str
    stand_in: str | None

    def submit(self, program: QaoaProgram, shots: int) -> str: ...

    def status(self, job_id: str) -> str: ...

    def counts(self, job_id: str) -> dict[str, int]: ...

    def stats(self, program: QaoaProgram) -> CircuitStats: ...


class QuantumJobStore(Protocol):
    """Quantum job records, one per tenant and job id (another tenant's id is simply not found)."""

    def create(self, job: QuantumJob) -> None: ...
    def get(self, tenant_id: str, job_id: str) -> QuantumJob | None: ...
    def start(self, tenant_id: str, job_id: str, at: datetime) -> bool:
        """queued → running; False when the job is not queued (a redelivered order)."""
        ...

    def finish(
        self, tenant_id: str, job_id: str, status: QuantumJobStatus, at: datetime, error: str | None, note: str | None
    ) -> None: ...


class QuantumResults(Protocol):
    """A job's full result (the `QuantumResult` JSON) under its key."""

    def put(self, key: str, document: dict[str, Any]) -> None: ...
    def get(self, key: str) -> dict[str, Any] | None: ...


class QuantumJobQueue(Protocol):
    def send(self, tenant_id: str, job_id: str) -> None: ...


class AnalyticsStore(Protocol):
    """Per-sequence daily counters, attribution state and the export rows, kept as the domain events arrive."""

    def count(self, tally: Tally) -> bool:
        """Apply `tally` once per business key (its day counters, per-step totals and export row, in one write);
        False when that key was counted before (a redelivered event)."""
        ...

    def note_click(self, tenant_id: str, contact_id: str, sequence_id: str, click: LastClick) -> None:
        """Remember the contact's latest click in the sequence (an older click never replaces a newer one)."""
        ...

    def last_click(self, tenant_id: str, contact_id: str, sequence_id: str) -> LastClick | None: ...

    def daily(
        self, tenant_id: str, sequence_id: str, first: date, last: date
    ) -> list[tuple[str, str | None, dict[str, int]]]:
        """The stored day counters from `first` to `last`: (day, step id or None, metric → count)."""
        ...

    def rows(self, tenant_id: str, sequence_id: str, first: date, last: date) -> Iterator[dict[str, Any]]:
        """The export rows of those days, oldest first (one Query per day, never a Scan)."""
        ...


class ExportFiles(Protocol):
    def put_text(self, key: str, text: str) -> None: ...
    def download_url(self, key: str, expires_seconds: int) -> str: ...


class WebhookStore(Protocol):
    def put(self, subscription: Subscription) -> None: ...
    def get(self, tenant_id: str, subscription_id: str) -> Subscription | None: ...
    def of_tenant(self, tenant_id: str) -> list[Subscription]: ...
    def delete(self, tenant_id: str, subscription_id: str) -> bool: ...
    def log(self, tenant_id: str, attempt: DeliveryAttempt) -> None: ...
    def deliveries(self, tenant_id: str, subscription_id: str, cursor: str | None, limit: int) -> Page[DeliveryAttempt]:
        """The subscription's delivery log, newest first."""
        ...

    def mark_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> None: ...
    def was_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> bool: ...


class WebhookQueue(Protocol):
    def enqueue(self, commands: list[DeliverWebhook]) -> None: ...


class WebhookPoster(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> int:
        """POST and return the status; raises TargetRefused (not public, not allowed) or TargetUnreachable."""
        ...


@dataclass(frozen=True)
class ContactEngagement:
    """A contact's compact engagement history: first opens by local hour of week, totals, last moments."""

    hours: OpenHistogram
    profile: EngagementProfile


class EngagementStore(Protocol):
    """Per-contact engagement histories and their pooled totals per group (`tenant`, `list:<id>`)."""

    def record_send(self, tenant_id: str, contact_id: str, at: datetime, groups: list[str]) -> None: ...

    def record_open(self, tenant_id: str, contact_id: str, hour: int, at: datetime, groups: list[str]) -> None: ...

    def record_click(self, tenant_id: str, contact_id: str, at: datetime) -> None: ...

    def history(self, tenant_id: str, contact_id: str) -> ContactEngagement: ...

    def pooled(self, tenant_id: str, group: str) -> OpenHistogram: ...

    def profiles(self, tenant_id: str) -> Iterator[tuple[str, EngagementProfile]]:
        """Every contact's profile (the trainer's input), page by page."""
        ...

    def tenants(self) -> list[str]:
        """Tenants with engagement history to train on."""
        ...


class ArmStore(Protocol):
    """Subject-line bandit bookkeeping per (sequence, step): which arm each send got, sends and rewards per arm."""

    def assign(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, arm: int) -> int:
        """Keep `arm` for this send unless one is kept already; the kept arm (a retry gets the first choice)."""
        ...

    def reward(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, kind: str) -> bool:
        """Count an open or click (`opens` / `clicks`) for the send's arm once; False if already or no arm."""
        ...

    def stats(self, tenant_id: str, sequence_id: str, step_id: str, arms: int) -> dict[str, list[ArmStats]]:
        """Per reward kind (`opens`, `clicks`): each arm's sends and successes."""
        ...


class ScoreModels(Protocol):
    """Trained engagement models per tenant (JSON in S3) and the trainer's dated feature snapshots."""

    def model(self, tenant_id: str) -> ScoreModel | None: ...

    def save_model(self, tenant_id: str, model: ScoreModel) -> None: ...

    def snapshot(self, tenant_id: str, day: str) -> dict[str, list[float]] | None: ...

    def save_snapshot(self, tenant_id: str, day: str, rows: dict[str, list[float]]) -> None: ...


class LiveConnections(Protocol):
    """The live feed's open WebSocket connections, per tenant (they expire on their own after a while)."""

    def add(self, tenant_id: str, connection_id: str, now: datetime) -> None: ...
    def remove(self, connection_id: str) -> None: ...
    def of_tenant(self, tenant_id: str) -> list[str]: ...


class LivePusher(Protocol):
    def push(self, connection_id: str, message: bytes) -> bool:
        """Send one message to one connection; False when the connection is gone."""


class StructuredWriter(Protocol):
    """A language model that answers in a given shape (a pydantic model), e.g. OpenAI's structured output."""

    def write[Shape: BaseModel](self, instructions: str, prompt: str, shape: type[Shape]) -> Shape:
        """Raises NotConfigured when no model is set up, UpstreamFailed when it fails or refuses."""
        ...


class MessageReferences(Protocol):
    """Which tenant and contact a message we sent went to, by its message id (replies quote it)."""

    def remember(self, message_id: str, tenant_id: str, contact_id: str) -> None: ...
    def find(self, message_ids: list[str]) -> tuple[str, str] | None: ...


class SentimentModel(Protocol):
    def sentiment(self, text: str) -> tuple[Sentiment, float]:
        """(negative | neutral | positive, the model's probability of it)."""
        ...


class ReplyLog(Protocol):
    def record(self, tenant_id: str, contact_id: str, reply_id: str, reading: dict[str, Any], at: datetime) -> None:
        """Keep how a reply was read (sentiment, intents), under the contact."""
        ...


class ContentBlocks(Protocol):
    """A tenant's content blocks by collection, each with its embedding (the content API writes, the sender reads)."""

    def put(self, block: ContentBlock) -> None: ...
    def get(self, tenant_id: str, collection: str, block_id: str) -> ContentBlock | None: ...
    def delete(self, tenant_id: str, collection: str, block_id: str) -> bool: ...
    def collection(self, tenant_id: str, collection: str) -> list[ContentBlock]:
        """Every block of the collection (at most MAX_BLOCKS_PER_COLLECTION)."""
        ...

    def count(self, tenant_id: str, collection: str) -> int:
        """How many blocks the collection holds (without reading them and their vectors)."""
        ...

    def with_url(self, tenant_id: str, url: str) -> list[ContentBlock]:
        """The blocks, in any collection, whose normalised URL is `url` (already normalised)."""
        ...

    def many(self, tenant_id: str, keys: list[str]) -> list[ContentBlock]:
        """The blocks of these block keys that still exist."""
        ...


class ContentProfiles(Protocol):
    """Each contact's content profile, and the `interests` attribute it is seeded from."""

    def get(self, tenant_id: str, contact_id: str) -> ContentProfile | None: ...
    def save(self, profile: ContentProfile) -> bool:
        """Write it as version `profile.version + 1` if the stored one is still `profile.version` (0: none yet);
        False when another writer got there first."""
        ...

    def interests(self, tenant_id: str, contact_id: str) -> str | None:
        """The contact's `interests` attribute as text (a list is joined), None when unset or no such contact."""
        ...


class TextEmbedder(Protocol):
    def embed(self, texts: list[str]) -> list[bytes]:
        """One unit-length float32 vector (as bytes) per text."""
        ...
