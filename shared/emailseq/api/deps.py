"""The adapters the API routes use, built once per warm Lambda (and swappable in tests via dependency_overrides)."""

from dataclasses import dataclass
from functools import cache

from emailseq.audit.signing import CheckpointSigner
from emailseq.dal.api_keys import DynamoApiKeys
from emailseq.dal.arms import DynamoArmStore
from emailseq.dal.audit import DynamoAuditStore
from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.contact_privacy import DynamoContactPrivacy
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.event_log import DynamoEventLog
from emailseq.dal.mail import MessageArchive
from emailseq.dal.rate_limits import DynamoEventRateLimiter
from emailseq.dal.secrets import read_secret
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.tenants import DynamoTenantSettings
from emailseq.domain.ports import (
    ApiKeyStore,
    ArmStore,
    AudienceStore,
    AuditTrail,
    Clock,
    ContactRepository,
    EventBus,
    EventLog,
    EventRateLimiter,
    SequenceRepository,
    StructuredWriter,
    TenantSettingsRepository,
)
from emailseq.logic.analytics import AnalyticsPorts
from emailseq.logic.content import ContentPorts
from emailseq.logic.deliverability import Outbound
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.exports import ExportPorts
from emailseq.logic.imports import ImportPorts
from emailseq.logic.preview import PreviewPorts
from emailseq.logic.privacy import PrivacyPorts
from emailseq.logic.quantum_jobs import QuantumJobPorts
from emailseq.logic.segments import AudiencePorts
from emailseq.logic.webhooks import WebhookPorts
from emailseq.settings import (
    AiSettings,
    AnalyticsSettings,
    ApiSettings,
    ContactsWorkSettings,
    ContentSettings,
    EnrollerSettings,
    QuantumJobSettings,
    WebhookSettings,
)
from emailseq.wiring import (
    analytics_ports,
    audience_ports,
    audience_store,
    audit_trail,
    clock_for,
    contact_repository,
    content_ports,
    content_source,
    enroll_ports,
    export_ports,
    import_ports,
    quantum_job_ports,
    spam_checker,
    structured_writer,
    webhook_ports,
)


@dataclass(frozen=True)
class ApiPorts:
    sequences: SequenceRepository
    contacts: ContactRepository
    event_log: EventLog
    bus: EventBus
    clock: Clock
    audit: AuditTrail | None = None
    arms: ArmStore | None = None  # the subject-line bandit's counts, for the report


@cache
def enroll_ports_for_api() -> EnrollPorts:
    settings = ApiSettings()
    if settings.send_queue_url is None:
        raise RuntimeError("EMAILSEQ_SEND_QUEUE_URL is not configured for this function")
    return enroll_ports(
        EnrollerSettings(
            table_name=settings.table_name,
            bus_name=settings.bus_name,
            send_queue_url=settings.send_queue_url,
            clock_offset_seconds=settings.clock_offset_seconds,
            clock_offset_parameter=settings.clock_offset_parameter,
        )
    )


@cache
def api_ports() -> ApiPorts:
    settings = ApiSettings()
    db = client("dynamodb")
    clock = clock_for(settings)
    return ApiPorts(
        sequences=DynamoSequenceRepository(db, settings.table_name),
        contacts=contact_repository(settings),
        event_log=DynamoEventLog(db, settings.table_name, clock),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
        audit=audit_trail(settings),
        arms=DynamoArmStore(db, settings.table_name),
    )


@cache
def audit_store() -> DynamoAuditStore:
    return DynamoAuditStore(client("dynamodb"), ApiSettings().table_name)


@cache
def audit_public_keys() -> dict[str, str]:
    secret_id = ApiSettings().audit_secret_id
    if secret_id is None:
        raise RuntimeError("EMAILSEQ_AUDIT_SECRET_ID is not configured for this function")
    return CheckpointSigner(read_secret(client("secretsmanager"), secret_id)).public_keys()


@cache
def privacy_ports() -> PrivacyPorts:
    settings = ApiSettings()
    db = client("dynamodb")
    bucket = settings.archive_bucket
    return PrivacyPorts(
        contacts=DynamoContactPrivacy(contact_repository(settings), db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        audit=audit_trail(settings),
        clock=clock_for(settings),
        archive=MessageArchive(client("s3"), bucket) if bucket else None,
    )


@cache
def tenant_settings() -> TenantSettingsRepository:
    return DynamoTenantSettings(client("dynamodb"), ApiSettings().table_name)


@cache
def attribute_schemas() -> AudienceStore:
    """For checking declared attributes' types where contacts come in (the schema is cached for a minute)."""
    return audience_store(ApiSettings())


@cache
def audience_ports_for_api() -> AudiencePorts:
    return audience_ports(ContactsWorkSettings())


@cache
def import_ports_for_api() -> ImportPorts:
    return import_ports(ContactsWorkSettings())


@cache
def quantum_job_ports_for_api() -> QuantumJobPorts:
    return quantum_job_ports(QuantumJobSettings())


@cache
def preview_ports() -> PreviewPorts:
    settings = ApiSettings()
    ports = api_ports()
    return PreviewPorts(
        sequences=ports.sequences,
        contacts=ports.contacts,
        settings=tenant_settings(),
        clock=ports.clock,
        checker=spam_checker(settings),
        outbound=Outbound(settings.from_address, settings.public_url, settings.unsubscribe_mailto),
        content=content_source(settings.table_name),
    )


@cache
def api_key_store() -> ApiKeyStore:
    return DynamoApiKeys(client("dynamodb"), ApiSettings().table_name)


@dataclass(frozen=True)
class EventLimits:
    limiter: EventRateLimiter
    per_second: int  # the deployment's limit per tenant


@cache
def event_limits() -> EventLimits:
    settings = ApiSettings()
    return EventLimits(DynamoEventRateLimiter(client("dynamodb"), settings.table_name), settings.events_per_second)


@dataclass(frozen=True)
class AnalyticsApiPorts:
    sequences: SequenceRepository
    analytics: AnalyticsPorts
    clock: Clock


@cache
def analytics_api_ports() -> AnalyticsApiPorts:
    settings = AnalyticsSettings()
    sequences = DynamoSequenceRepository(client("dynamodb"), settings.table_name)
    return AnalyticsApiPorts(sequences, analytics_ports(settings), clock_for(settings))


@cache
def export_ports_for_api() -> ExportPorts:
    return export_ports(AnalyticsSettings())


@cache
def webhook_ports_for_api() -> WebhookPorts:
    return webhook_ports(WebhookSettings())


@dataclass(frozen=True)
class AiPorts:
    writer: StructuredWriter
    sequences: SequenceRepository  # subject variants and rewrites start from the stored sequence


@cache
def ai_ports() -> AiPorts:
    settings = AiSettings()
    return AiPorts(structured_writer(settings), DynamoSequenceRepository(client("dynamodb"), settings.table_name))


@cache
def content_ports_for_api() -> ContentPorts:
    return content_ports(ContentSettings())


def clear_caches() -> None:
    """Forget the adapters built so far (tests start a new emulated AWS for every test)."""
    for cached in (
        api_ports,
        enroll_ports_for_api,
        tenant_settings,
        attribute_schemas,
        audience_ports_for_api,
        import_ports_for_api,
        quantum_job_ports_for_api,
        audit_store,
        audit_public_keys,
        privacy_ports,
        preview_ports,
        api_key_store,
        event_limits,
        analytics_api_ports,
        export_ports_for_api,
        webhook_ports_for_api,
        ai_ports,
        content_ports_for_api,
    ):
        cached.cache_clear()
