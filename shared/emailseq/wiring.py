"""Builds the AWS adapters for each function from its settings: the one place ports meet boto3 clients."""

from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollments import DynamoEnrollmentStore
from emailseq.dal.mail import SesMailSender
from emailseq.dal.once import PowertoolsOnceOnly
from emailseq.dal.queue import SqsStepQueue
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.logic.enroll import EnrollPorts
from emailseq.logic.schedule import SchedulePorts
from emailseq.logic.send import SendPorts
from emailseq.settings import EnrollerSettings, SchedulerSettings, SenderSettings


def enroll_ports(settings: EnrollerSettings) -> EnrollPorts:
    db = client("dynamodb")
    return EnrollPorts(
        contacts=DynamoContactRepository(db, settings.table_name),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        queue=SqsStepQueue(client("sqs"), settings.send_queue_url),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=SystemClock(settings.clock_offset_seconds),
    )


def send_ports(settings: SenderSettings) -> tuple[SendPorts, PowertoolsOnceOnly]:
    db = client("dynamodb")
    clock = SystemClock(settings.clock_offset_seconds)
    once = PowertoolsOnceOnly(settings.idempotency_table_name, db)
    ports = SendPorts(
        contacts=DynamoContactRepository(db, settings.table_name),
        sequences=DynamoSequenceRepository(db, settings.table_name),
        enrollments=DynamoEnrollmentStore(db, settings.table_name),
        mailer=SesMailSender(client("sesv2"), settings.from_address, clock, settings.ses_configuration_set),
        once=once,
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
    )
    return ports, once


def schedule_ports(settings: SchedulerSettings) -> SchedulePorts:
    return SchedulePorts(
        enrollments=DynamoEnrollmentStore(client("dynamodb"), settings.table_name),
        queue=SqsStepQueue(client("sqs"), settings.send_queue_url),
        clock=SystemClock(settings.clock_offset_seconds),
    )
