"""Builds the AWS adapters for each function from its settings: the one place ports meet boto3 clients."""

from emailseq.dal.api_keys import DynamoApiKeys
from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock, ssm_offset
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.mail import MessageArchive, SesMailSender
from emailseq.dal.once import PowertoolsOnceOnly
from emailseq.dal.queue import SqsStepQueue
from emailseq.dal.secrets import read_secret
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.tenants import DynamoSendCaps, DynamoTenantSettings
from emailseq.dal.token_keys import SecretsManagerKeyRing
from emailseq.dal.webhooks import SignedWebhookCaller
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.feedback import FeedbackPorts
from emailseq.logic.run_step import StepPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.tracking import TrackingPorts
from emailseq.rendering.tracking import LinkSigner
from emailseq.settings import (
    AuthorizerSettings,
    EnrollerSettings,
    FunctionSettings,
    SchedulerSettings,
    SenderSettings,
    TrackingSettings,
)


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
        mailer=SesMailSender(client("sesv2"), settings.from_address, clock, settings.ses_configuration_set, archive),
        once=once,
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
        webhooks=SignedWebhookCaller(secret),
        signer=LinkSigner(secret, settings.public_url),
        unsubscribe_mailto=settings.unsubscribe_mailto,
        settings=DynamoTenantSettings(db, settings.table_name),
        caps=DynamoSendCaps(db, settings.table_name),
    )
    return ports, once


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


def authorizer_ports(settings: AuthorizerSettings) -> tuple[SecretsManagerKeyRing, DynamoApiKeys]:
    keys = SecretsManagerKeyRing(client("secretsmanager"), settings.token_secret_id)
    return keys, DynamoApiKeys(client("dynamodb"), settings.table_name)
