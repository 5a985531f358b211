"""Builds the AWS adapters for each function from its settings: the one place ports meet boto3 clients."""

from typing import Any

from emailseq.dal.audiences import DynamoAudienceStore
from emailseq.dal.aws import bulk_client, client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock, ssm_offset
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.imports import DynamoImportStore, S3ImportFiles, SqsWorkQueue
from emailseq.dal.mail import MessageArchive, SesMailSender
from emailseq.dal.once import PowertoolsOnceOnly
from emailseq.dal.queue import SqsStepQueue
from emailseq.dal.secrets import read_secret
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.tenants import DynamoSendCaps, DynamoTenantSettings
from emailseq.dal.webhooks import SignedWebhookCaller
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.feedback import FeedbackPorts
from emailseq.logic.imports import ImportPorts
from emailseq.logic.run_step import StepPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.segments import AudiencePorts, SegmentHook
from emailseq.logic.tracking import TrackingPorts
from emailseq.rendering.tracking import LinkSigner
from emailseq.settings import (
    ContactsWorkSettings,
    EnrollerSettings,
    FunctionSettings,
    SchedulerSettings,
    SenderSettings,
    TrackingSettings,
)


def clock_for(settings: FunctionSettings) -> SystemClock:
    parameter = settings.clock_offset_parameter
    return SystemClock(settings.clock_offset_seconds, ssm_offset(client("ssm"), parameter) if parameter else None)


def segment_hook(db: Any, table: str) -> SegmentHook:
    return SegmentHook(DynamoAudienceStore(db, table), DynamoContactRepository(db, table))


def enroll_ports(settings: EnrollerSettings) -> EnrollPorts:
    db = client("dynamodb")
    return EnrollPorts(
        contacts=DynamoContactRepository(db, settings.table_name),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        queue=SqsStepQueue(client("sqs"), settings.send_queue_url),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock_for(settings),
        segments=segment_hook(db, settings.table_name),
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
        segments=segment_hook(db, settings.table_name),
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


def audience_ports(settings: ContactsWorkSettings) -> AudiencePorts:
    db = client("dynamodb")
    return AudiencePorts(
        audiences=DynamoAudienceStore(db, settings.table_name),
        contacts=DynamoContactRepository(db, settings.table_name),
        work=SqsWorkQueue(client("sqs"), settings.work_queue_url),
        clock=clock_for(settings),
    )


def import_ports(settings: ContactsWorkSettings) -> ImportPorts:
    db = bulk_client("dynamodb")
    return ImportPorts(
        imports=DynamoImportStore(db, settings.table_name),
        files=S3ImportFiles(client("s3"), settings.data_bucket),
        contacts=DynamoContactRepository(db, settings.table_name),
        audiences=DynamoAudienceStore(db, settings.table_name),
        work=SqsWorkQueue(client("sqs"), settings.work_queue_url),
        clock=clock_for(settings),
        chunk_rows=settings.import_chunk_rows,
    )
