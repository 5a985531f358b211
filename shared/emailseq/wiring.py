"""Builds the AWS adapters for each function from its settings: the one place ports meet boto3 clients."""

from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock, ssm_offset
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.mail import MessageArchive, SesMailSender
from emailseq.dal.once import PowertoolsOnceOnly
from emailseq.dal.queue import SqsStepQueue
from emailseq.dal.secrets import read_secret, read_smtp_secret
from emailseq.dal.send_rate import DynamoSendRateLimiter, FixedSendQuota, SesSendQuota
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.tenants import DynamoSendCaps, DynamoTenantSettings
from emailseq.dal.webhooks import SignedWebhookCaller
from emailseq.domain.ports import Clock, MailSender, SendQuotaSource
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.feedback import FeedbackPorts
from emailseq.logic.run_step import StepPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.tracking import TrackingPorts
from emailseq.rendering.tracking import LinkSigner
from emailseq.settings import EnrollerSettings, FunctionSettings, SchedulerSettings, SenderSettings, TrackingSettings


def clock_for(settings: FunctionSettings) -> SystemClock:
    parameter = settings.clock_offset_parameter
    return SystemClock(settings.clock_offset_seconds, ssm_offset(client("ssm"), parameter) if parameter else None)


def enroll_ports(settings: EnrollerSettings) -> EnrollPorts:
    db = client("dynamodb")
    return EnrollPorts(
        contacts=DynamoContactRepository(db, settings.table_name),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        queue=SqsStepQueue(client("sqs"), settings.send_queue_url),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock_for(settings),
    )


def step_ports(settings: SenderSettings) -> tuple[StepPorts, PowertoolsOnceOnly]:
    db = client("dynamodb")
    clock = clock_for(settings)
    once = PowertoolsOnceOnly(settings.idempotency_table_name, db)
    secret = read_secret(client("secretsmanager"), settings.signing_secret_id)
    archive = MessageArchive(client("s3"), settings.archive_bucket) if settings.archive_bucket else None
    ports = StepPorts(
        contacts=DynamoContactRepository(db, settings.table_name),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        mailer=_mailer(settings, clock, archive),
        once=once,
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
        webhooks=SignedWebhookCaller(secret),
        signer=LinkSigner(secret, settings.public_url),
        unsubscribe_mailto=settings.unsubscribe_mailto,
        settings=DynamoTenantSettings(db, settings.table_name),
        caps=DynamoSendCaps(db, settings.table_name),
        limiter=DynamoSendRateLimiter(db, settings.table_name),
        quota=_send_quota(settings),
    )
    return ports, once


def _mailer(settings: SenderSettings, clock: Clock, archive: MessageArchive | None) -> MailSender:
    if settings.mail_provider == "ses":
        return SesMailSender(client("sesv2"), settings.from_address, clock, settings.ses_configuration_set, archive)
    # Imported here so only a deployment that sends through SMTP loads dkimpy.
    from emailseq.dal.smtp import SmtpConfig, SmtpMailSender

    assert settings.smtp_secret_id is not None  # SenderSettings requires it with smtp
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
        contacts=DynamoContactRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        clock=clock_for(settings),
    )
    # Verifying needs only the key; the base URL is for minting, which this function never does.
    return ports, LinkSigner(read_secret(client("secretsmanager"), settings.signing_secret_id), "")


def schedule_ports(settings: SchedulerSettings) -> SchedulePorts:
    return SchedulePorts(
        enrollments=DynamoEnrollmentStore(client("dynamodb"), settings.table_name),
        queue=SqsStepQueue(client("sqs"), settings.send_queue_url),
        clock=clock_for(settings),
    )


def feedback_ports(settings: FunctionSettings) -> FeedbackPorts:
    return FeedbackPorts(
        contacts=DynamoContactRepository(client("dynamodb"), settings.table_name), clock=clock_for(settings)
    )
