"""Webhook fan-out: domain events from the bus (via SQS) → one delivery order per subscription that wants them."""

import json
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.messages import read_domain_event
from emailseq.logic.webhooks import fan_out
from emailseq.settings import WebhookSettings
from emailseq.wiring import webhook_ports

logger = Logger(service="webhooks")
ports = webhook_ports(WebhookSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = json.loads(record.body)
    event = read_domain_event(envelope["detail-type"], envelope["detail"])
    if event is None:
        return
    # The envelope's id is the event's id for receivers: the same across SQS redeliveries of this event.
    queued = fan_out(ports, envelope["id"], event, datetime.fromisoformat(envelope["time"]))
    logger.info("webhook deliveries queued", extra={"type": envelope["detail-type"], "deliveries": queued})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
