"""Enroller: contact events from the bus (via SQS) → contact upsert, goals, enrollments."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.dal.deferred import BatchWrites
from emailseq.domain.messages import RecordEvent
from emailseq.logic.enroll import handle_contact_event
from emailseq.observability import observed
from emailseq.settings import EnrollerSettings
from emailseq.wiring import enroll_ports

logger = Logger(service="enroller")
batch = BatchWrites()
ports = enroll_ports(EnrollerSettings(), batch)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    event = RecordEvent.model_validate(json.loads(record.body)["detail"])
    logger.set_correlation_id(event.id)  # the id the client gave its event: one search finds its whole path
    happened = handle_contact_event(ports, event)
    logger.info(
        "contact event handled",
        extra={"event_id": event.id, "type": event.type, "facts": [type(fact).__name__ for fact in happened]},
    )


@observed(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    try:
        return process_partial_response(event, record_handler, processor, context)
    finally:
        batch.flush()  # the batch's first orders and ContactEnrolled events, one request each
