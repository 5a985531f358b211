"""Opt-in worker: SendOptInConfirmation orders from SQS → the double opt-in confirmation email, once per request."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.messages import SendOptInConfirmation
from emailseq.logic.opt_in import send_confirmation
from emailseq.observability import observed
from emailseq.settings import OptInSettings
from emailseq.wiring import confirmation_ports

logger = Logger(service="opt-in")
ports, once = confirmation_ports(OptInSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    order = SendOptInConfirmation.model_validate_json(record.body)
    message_id = send_confirmation(ports, order)
    logger.info("opt-in confirmation handled", extra={"list_id": order.list_id, "sent": message_id is not None})


@observed(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    once.config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
