"""Sender: SendStep orders from SQS → render, send exactly once, move the enrollment on."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.messages import SendStep
from emailseq.logic.send import send_step
from emailseq.settings import SenderSettings
from emailseq.wiring import send_ports

logger = Logger(service="sender")
ports, once = send_ports(SenderSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    order = SendStep.model_validate_json(record.body)
    sent = send_step(ports, order)
    logger.info(
        "send order handled",
        extra={
            "sequence_id": order.sequence_id,
            "cursor": order.cursor,
            "message_id": sent.message_id if sent else None,
        },
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    once.config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
