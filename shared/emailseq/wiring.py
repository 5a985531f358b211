"""Builds the AWS adapters for each function from its settings: the one place ports meet boto3 clients."""

import functools
from datetime import timedelta
from typing import Any, NamedTuple

from emailseq.audit.log import ChainedAuditLog
from emailseq.audit.signing import CheckpointSigner
from emailseq.dal.analytics import DynamoAnalyticsStore
from emailseq.dal.api_keys import DynamoApiKeys
from emailseq.dal.arms import DynamoArmStore
from emailseq.dal.audiences import DynamoAudienceStore
from emailseq.dal.audit import DynamoAuditStore
from emailseq.dal.aws import bulk_client, client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock, ssm_offset
from emailseq.dal.consents import DynamoConsentStore
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.content import DynamoContentBlocks
from emailseq.dal.content_profiles import DynamoContentProfiles
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.dal.deferred import BatchWrites, DeferredBus, DeferredQueue
from emailseq.dal.engagement import DynamoEngagementStore
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.imports import DynamoImportStore, S3ImportFiles, SqsWorkQueue
from emailseq.dal.live import ApiGatewayLivePusher, DynamoLiveConnections
from emailseq.dal.mail import MessageArchive, SesMailSender
from emailseq.dal.once import PowertoolsOnceOnly
from emailseq.dal.order_reads import DynamoOrderReads
from emailseq.dal.quantum_jobs import DynamoQuantumJobStore, S3QuantumResults, SqsQuantumJobQueue
from emailseq.dal.queue import SqsOrderQueue, SqsRetryBackoff, SqsThrottleRetry
from emailseq.dal.replies import DynamoMessageReferences, DynamoReplyLog
from emailseq.dal.score_models import S3ScoreModels
from emailseq.dal.secrets import read_secret, read_smtp_secret
from emailseq.dal.send_rate import BatchSendSlots, DynamoSendRateLimiter, FixedSendQuota, SesSendQuota
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.spamd import SpamdClient
from emailseq.dal.tenants import DynamoSendCaps, DynamoTenantSettings
from emailseq.dal.token_keys import SecretsManagerKeyRing
from emailseq.dal.webhook_subscriptions import DynamoWebhookStore
from emailseq.dal.webhooks import SafeWebhookPoster, SignedWebhookCaller
from emailseq.domain.optimisation.record import QuantumResult
from emailseq.domain.ports import Clock, EventBus, MailSender, SendQuotaSource, StepQueue, StructuredWriter
from emailseq.domain.quantum_jobs import QuantumJobRequest
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.analytics import AnalyticsPorts
from emailseq.logic.content import ContentPorts
from emailseq.logic.engagement import AiPorts
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.exports import ExportPorts
from emailseq.logic.feedback import FeedbackPorts
from emailseq.logic.imports import ImportPorts
from emailseq.logic.live import ConnectPorts, LivePorts
from emailseq.logic.opt_in import ConfirmationPorts, OptInPorts
from emailseq.logic.quantum_jobs import QuantumJobPorts, Solve
from emailseq.logic.recommendations import ContentSource, ProfilePorts
from emailseq.logic.replies import ReplyPorts
from emailseq.logic.run_step import StepPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.segments import AudiencePorts, SegmentHook
from emailseq.logic.tracking import TrackingPorts
from emailseq.logic.train import TrainPorts
from emailseq.logic.webhooks import WebhookPorts
from emailseq.rendering.tracking import LinkSigner
from emailseq.settings import (
    AiSettings,
    AnalyticsSettings,
    ApiSettings,
    AuthorizerSettings,
    ContactsWorkSettings,
    ContentSettings,
    EnrollerSettings,
    FunctionSettings,
    LiveSettings,
    MailSettings,
    OptInSettings,
    QuantumJobSettings,
    QuantumWorkerSettings,
    RepliesSettings,
    SchedulerSettings,
    SenderSettings,
    TrackingSettings,
    TrainerSettings,
    WebhookSettings,
)


def clock_for(settings: FunctionSettings) -> SystemClock:
    parameter = settings.clock_offset_parameter
    return SystemClock(settings.clock_offset_seconds, ssm_offset(client("ssm"), parameter) if parameter else None)


def data_keys(settings: FunctionSettings) -> DynamoDataKeys:
    """The tenant data keys (KMS-wrapped; also HPKE-wrapped for tenants whose settings ask for it)."""
    db, tenants = client("dynamodb"), DynamoTenantSettings(client("dynamodb"), settings.table_name)
    secret_id = settings.pq_wrap_secret_id
    return DynamoDataKeys(
        db,
        settings.table_name,
        client("kms"),
        settings.data_key_id,
        clock_for(settings),
        wrapping_for=lambda tenant_id: tenants.get(tenant_id).key_wrapping,
        pq_secret=(lambda: read_secret(client("secretsmanager"), secret_id)) if secret_id else None,
    )


def contact_repository(settings: FunctionSettings, db: Any = None) -> DynamoContactRepository:
    return DynamoContactRepository(db or client("dynamodb"), settings.table_name, data_keys(settings))


def audience_store(settings: FunctionSettings, db: Any = None) -> DynamoAudienceStore:
    contacts = contact_repository(settings)
    return DynamoAudienceStore(db or client("dynamodb"), settings.table_name, contacts.contact_from_row)


def segment_hook(settings: FunctionSettings) -> SegmentHook:
    return SegmentHook(audience_store(settings), contact_repository(settings))


def enroll_ports(settings: EnrollerSettings, batch: BatchWrites | None = None) -> EnrollPorts:
    """`batch`: the orders and events of an SQS batch go out together when it is flushed (dal.deferred), and the
    triggers of an event type are read once per batch."""
    db = client("dynamodb")
    queue: StepQueue = SqsOrderQueue(client("sqs"), settings.send_queue_url)
    bus: EventBus = EventBridgeBus(client("events"), settings.bus_name)
    sequences = DynamoSequenceRepository(db, settings.table_name, triggers_per_batch=batch is not None)
    if batch is not None:
        queue, bus = batch.hold(DeferredQueue(queue)), batch.hold(DeferredBus(bus))
        batch.hold(sequences)
    return EnrollPorts(
        contacts=contact_repository(settings),
        sequences=sequences,
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        queue=queue,
        bus=bus,
        clock=clock_for(settings),
        segments=segment_hook(settings),
    )


class SenderParts(NamedTuple):
    ports: StepPorts
    once: PowertoolsOnceOnly
    batch: BatchWrites  # flushed at the end of each SQS batch
    slots: BatchSendSlots  # told how many orders each batch carries
    backoff: SqsRetryBackoff  # a busy provider: the order waits, doubling
    throttled: SqsThrottleRetry  # the send rate reached: the order goes back as a fresh message


def step_ports(settings: SenderSettings) -> SenderParts:
    """What a sent email leaves to record (its EmailSent event, its message reference, the pooled send counts)
    goes out for the whole SQS batch when `batch` is flushed (dal.deferred); the account's send-window slots are
    taken for the batch at once (BatchSendSlots)."""
    db = client("dynamodb")
    batch = BatchWrites()
    slots = batch.hold(BatchSendSlots(DynamoSendRateLimiter(db, settings.table_name)))
    clock = clock_for(settings)
    once = PowertoolsOnceOnly(settings.idempotency_table_name, db)
    secret = read_secret(client("secretsmanager"), settings.signing_secret_id)
    archive = _archive(settings, batch)
    contacts = contact_repository(settings, db)
    bus: EventBus = EventBridgeBus(client("events"), settings.bus_name)
    ports = StepPorts(
        contacts=contacts,
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        mailer=_mailer(settings, clock, archive),
        once=once,
        bus=batch.hold(DeferredBus(bus)),
        clock=clock,
        webhooks=SignedWebhookCaller(secret, allow_private=settings.webhook_private_targets == "allow"),
        signer=LinkSigner(secret, settings.public_url),
        unsubscribe_mailto=settings.unsubscribe_mailto,
        settings=DynamoTenantSettings(db, settings.table_name),
        caps=DynamoSendCaps(db, settings.table_name),
        limiter=slots,
        quota=_send_quota(settings),
        ai=ai_ports(settings.table_name, settings.models_bucket, db, batch),
        content=content_source(settings.table_name, db),
        reads=DynamoOrderReads(db, settings.table_name, contacts),
    )
    backoff = SqsRetryBackoff(client("sqs"), base_seconds=settings.provider_retry_base_seconds)
    return SenderParts(ports, once, batch, slots, backoff, SqsThrottleRetry(client("sqs"), backoff))


def _archive(settings: MailSettings, batch: BatchWrites | None = None) -> MessageArchive | None:
    """The sent-message archive; it also remembers whom each message went to, for replies."""
    if not settings.archive_bucket:
        return None
    references = DynamoMessageReferences(client("dynamodb"), settings.table_name, held_to_flush=batch is not None)
    if batch is not None:
        batch.hold(references)
    return MessageArchive(client("s3"), settings.archive_bucket, references)


def _mailer(settings: MailSettings, clock: Clock, archive: MessageArchive | None) -> MailSender:
    if settings.mail_provider == "ses":
        return SesMailSender(client("sesv2"), settings.from_address, clock, settings.ses_configuration_set, archive)
    # Imported here so only a deployment that sends through SMTP loads dkimpy.
    from emailseq.dal.smtp import SmtpConfig, SmtpMailSender

    assert settings.smtp_secret_id is not None  # MailSettings requires it with smtp
    secret = read_smtp_secret(client("secretsmanager"), settings.smtp_secret_id)
    config = SmtpConfig(
        host=secret.host,
        port=secret.port,
        username=secret.username,
        password=secret.password,
        starttls=secret.tls == "starttls",
        dkim_selector=secret.dkim_selector,
        dkim_domain=secret.dkim_domain,
        dkim_private_key_pem=secret.dkim_private_key,
        dkim_algorithm=secret.dkim_algorithm,
    )
    return SmtpMailSender(config, settings.from_address, clock)


def _send_quota(settings: SenderSettings) -> SendQuotaSource:
    if settings.mail_provider == "ses":
        return SesSendQuota(client("sesv2"), settings.fallback_max_send_rate, settings.send_quota_cache_seconds)
    return FixedSendQuota(settings.fallback_max_send_rate)


def tracking_ports(settings: TrackingSettings) -> tuple[TrackingPorts, LinkSigner]:
    db = client("dynamodb")
    ports = TrackingPorts(
        contacts=contact_repository(settings),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        clock=clock_for(settings),
        consents=DynamoConsentStore(db, settings.table_name),
        audit=audit_trail(settings),
        segments=segment_hook(settings),
        bus=EventBridgeBus(client("events"), settings.bus_name) if settings.bus_name else None,
        ai=ai_ports(settings.table_name, settings.models_bucket, db),
    )
    # Verifying needs only the key; the base URL is for minting, which this function never does.
    return ports, LinkSigner(read_secret(client("secretsmanager"), settings.signing_secret_id), "")


def ai_ports(
    table_name: str, models_bucket: str | None, db: Any = None, batch: BatchWrites | None = None
) -> AiPorts | None:
    if models_bucket is None:
        return None
    db = db or client("dynamodb")
    engagement = DynamoEngagementStore(db, table_name, held_to_flush=batch is not None)
    return AiPorts(
        batch.hold(engagement) if batch is not None else engagement,
        DynamoArmStore(db, table_name),
        S3ScoreModels(client("s3"), models_bucket),
    )


def train_ports(settings: TrainerSettings) -> TrainPorts:
    db = client("dynamodb")
    return TrainPorts(
        DynamoEngagementStore(db, settings.table_name),
        S3ScoreModels(client("s3"), settings.models_bucket),
        clock_for(settings),
    )


def schedule_ports(settings: SchedulerSettings) -> SchedulePorts:
    return SchedulePorts(
        enrollments=DynamoEnrollmentStore(client("dynamodb"), settings.table_name),
        queue=SqsOrderQueue(client("sqs"), settings.send_queue_url),
        clock=clock_for(settings),
    )


def feedback_ports(settings: FunctionSettings) -> FeedbackPorts:
    return FeedbackPorts(
        contacts=contact_repository(settings),
        clock=clock_for(settings),
        audit=audit_trail(settings),
    )


def confirmation_ports(settings: OptInSettings) -> tuple[ConfirmationPorts, PowertoolsOnceOnly]:
    db = client("dynamodb")
    clock = clock_for(settings)
    once = PowertoolsOnceOnly(settings.idempotency_table_name, db)
    archive = _archive(settings)
    ports = ConfirmationPorts(
        contacts=contact_repository(settings),
        consents=DynamoConsentStore(db, settings.table_name),
        mailer=_mailer(settings, clock, archive),
        once=once,
        signer=LinkSigner(read_secret(client("secretsmanager"), settings.signing_secret_id), settings.public_url),
        settings=DynamoTenantSettings(db, settings.table_name),
    )
    return ports, once


def audit_trail(settings: FunctionSettings) -> ChainedAuditLog | None:
    """The tenant audit log, for functions given its key (EMAILSEQ_AUDIT_SECRET_ID); the key is read on first use."""
    secret_id = settings.audit_secret_id
    if secret_id is None:
        return None
    signer = functools.cache(lambda: CheckpointSigner(read_secret(client("secretsmanager"), secret_id)))
    return ChainedAuditLog(DynamoAuditStore(client("dynamodb"), settings.table_name), signer, clock_for(settings))


def audience_ports(settings: ContactsWorkSettings) -> AudiencePorts:
    db = client("dynamodb")
    return AudiencePorts(
        audiences=audience_store(settings, db),
        contacts=contact_repository(settings),
        work=SqsWorkQueue(client("sqs"), settings.work_queue_url),
        clock=clock_for(settings),
        opt_in=_opt_in_ports(settings),
    )


def _opt_in_ports(settings: ContactsWorkSettings) -> OptInPorts | None:
    if settings.opt_in_queue_url is None:
        return None
    db = client("dynamodb")
    queue = SqsOrderQueue(client("sqs"), settings.opt_in_queue_url)
    return OptInPorts(DynamoConsentStore(db, settings.table_name), queue, clock_for(settings))


def import_ports(settings: ContactsWorkSettings) -> ImportPorts:
    db = bulk_client("dynamodb")
    return ImportPorts(
        imports=DynamoImportStore(db, settings.table_name),
        files=S3ImportFiles(client("s3"), settings.data_bucket),
        contacts=contact_repository(settings, db),
        audiences=audience_store(settings, db),
        work=SqsWorkQueue(client("sqs"), settings.work_queue_url),
        clock=clock_for(settings),
        chunk_rows=settings.import_chunk_rows,
    )


def spam_checker(settings: ApiSettings) -> SpamdClient | None:
    """The preview's deliverability check; None when this deployment has no spamd configured."""
    if settings.spamd_address is None:
        return None
    return SpamdClient(settings.spamd_address, settings.spamd_timeout_seconds)


def authorizer_ports(settings: AuthorizerSettings) -> tuple[SecretsManagerKeyRing, DynamoApiKeys]:
    keys = SecretsManagerKeyRing(client("secretsmanager"), settings.token_secret_id)
    return keys, DynamoApiKeys(client("dynamodb"), settings.table_name)


class _NoQueue:
    """The worker orders nothing: a job it runs is already off the queue."""

    def send(self, tenant_id: str, job_id: str) -> None:
        raise RuntimeError("the quantum worker does not queue jobs")


def quantum_job_ports(settings: QuantumJobSettings | QuantumWorkerSettings) -> QuantumJobPorts:
    db = client("dynamodb")
    queue_url = getattr(settings, "quantum_queue_url", None)
    return QuantumJobPorts(
        jobs=DynamoQuantumJobStore(db, settings.table_name),
        results=S3QuantumResults(client("s3"), settings.data_bucket),
        queue=SqsQuantumJobQueue(client("sqs"), queue_url) if queue_url else _NoQueue(),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        clock=clock_for(settings),
    )


def analytics_ports(settings: AnalyticsSettings) -> AnalyticsPorts:
    window = timedelta(days=settings.attribution_window_days)
    return AnalyticsPorts(DynamoAnalyticsStore(client("dynamodb"), settings.table_name), window)


def export_ports(settings: AnalyticsSettings) -> ExportPorts:
    if settings.data_bucket is None:
        raise RuntimeError("EMAILSEQ_DATA_BUCKET is not configured for this function")
    return ExportPorts(
        analytics=DynamoAnalyticsStore(client("dynamodb"), settings.table_name),
        files=S3ImportFiles(client("s3"), settings.data_bucket),
        contacts=contact_repository(settings),
        clock=clock_for(settings),
    )


def quantum_solver(settings: QuantumWorkerSettings) -> Solve:
    """The worker's solver: emailseq.quantum.jobs (numpy, and the quantum SDKs where this package has them)."""
    from emailseq.quantum.jobs import QaoaOptions, run_job

    def solve(request: QuantumJobRequest, document: SequenceDocument) -> QuantumResult:
        options = QaoaOptions(
            backend=request.backend,
            p=request.p,
            shots=request.shots,
            grid=settings.tuning_grid,
            iterations=settings.tuning_iterations,
            allow_large=request.allow_large,
            timeout_seconds=settings.poll_seconds,
        )
        return run_job(request.problem, document, request.variables, options)

    return solve


def webhook_ports(settings: WebhookSettings) -> WebhookPorts:
    queue_url = settings.delivery_queue_url
    return WebhookPorts(
        store=DynamoWebhookStore(client("dynamodb"), settings.table_name, data_keys(settings)),
        clock=clock_for(settings),
        queue=SqsOrderQueue(client("sqs"), queue_url) if queue_url else None,
        poster=SafeWebhookPoster(settings.webhook_timeout_seconds),
        allow_private=settings.webhook_private_targets == "allow",
        settings=DynamoTenantSettings(client("dynamodb"), settings.table_name),
    )


def live_ports(settings: LiveSettings) -> LivePorts:
    return LivePorts(DynamoLiveConnections(client("dynamodb"), settings.table_name), clock_for(settings))


def live_connect_ports(settings: LiveSettings) -> ConnectPorts:
    if not settings.token_secret_id:
        raise ValueError("EMAILSEQ_TOKEN_SECRET_ID is required by the $connect function")
    keys = SecretsManagerKeyRing(client("secretsmanager"), settings.token_secret_id)
    connections = DynamoLiveConnections(client("dynamodb"), settings.table_name)
    return ConnectPorts(connections, clock_for(settings), keys, DynamoApiKeys(client("dynamodb"), settings.table_name))


def live_pusher(settings: LiveSettings) -> ApiGatewayLivePusher:
    """The @connections client; its endpoint is the WebSocket API's own URL, not a regional service endpoint."""
    if not settings.live_management_url:
        raise ValueError("EMAILSEQ_LIVE_MANAGEMENT_URL is required by the broadcaster")
    return ApiGatewayLivePusher.at(settings.live_management_url)


def structured_writer(settings: AiSettings) -> StructuredWriter:
    """The language model for drafting: the environment's OPENAI_API_KEY when set, else the deployment's secret."""
    # Imported here: only the apiAi function's layer carries the OpenAI client.
    from emailseq.dal.openai_writer import OpenAiConfig, OpenAiWriter, config_from_secret

    env_key, secret_id = settings.openai_api_key, settings.openai_secret_id

    def config() -> OpenAiConfig | None:
        if env_key is not None:
            return OpenAiConfig(env_key.get_secret_value(), settings.openai_base_url)
        return config_from_secret(client("secretsmanager"), secret_id) if secret_id else None

    return OpenAiWriter(config, settings.openai_model, settings.openai_timeout_seconds)


def reply_ports(settings: RepliesSettings) -> ReplyPorts:
    """The replies function's adapters; the sentiment model loads from the replies layer (onnxruntime & co)."""
    from emailseq.nlp.model import shipped_model

    db = client("dynamodb")
    return ReplyPorts(
        references=DynamoMessageReferences(db, settings.table_name),
        model=shipped_model(),
        contacts=contact_repository(settings),
        replies=DynamoReplyLog(db, settings.table_name),
        clock=clock_for(settings),
        audit=audit_trail(settings),
    )


def content_source(table_name: str, db: Any = None) -> ContentSource:
    """What `recommend(collection, n)` reads in the sender: blocks and profiles (no model: ranking is pure Python)."""
    db = db or client("dynamodb")
    return ContentSource(DynamoContentBlocks(db, table_name), DynamoContentProfiles(db, table_name))


def content_ports(settings: ContentSettings) -> ContentPorts:
    """The content API's adapters; the embedder comes from the replyModel layer (numpy, onnxruntime) and loads on
    its first use."""
    from emailseq.nlp.vectors import shipped_embedder

    return ContentPorts(
        DynamoContentBlocks(client("dynamodb"), settings.table_name), shipped_embedder(), clock_for(settings)
    )


def profile_ports(settings: ContentSettings) -> ProfilePorts:
    """The recommender's adapters (the model from the replyModel layer, loaded on the first embedding)."""
    from emailseq.nlp.vectors import shipped_embedder

    db = client("dynamodb")
    return ProfilePorts(
        DynamoContentBlocks(db, settings.table_name), DynamoContentProfiles(db, settings.table_name), shipped_embedder()
    )
