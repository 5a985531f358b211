"""Live feed broadcaster: domain events from the bus, in batches (EventBridge → SQS → this function) → the
tenant's sockets. A record that fails is retried by SQS, then parked in the live DLQ."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.live import broadcast
from emailseq.settings import LiveSettings
from emailseq.wiring import live_ports, live_pusher

logger = Logger(service="live-broadcast")
settings = LiveSettings()
ports, pusher = live_ports(settings), live_pusher(settings)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> int:
    envelope = json.loads(record.body)
    delivered = broadcast(ports, pusher, envelope["detail-type"], envelope["detail"])
    if delivered:  # most events reach no open dashboard: only pushes are worth a log line
        logger.info("live event pushed", extra={"detail_type": envelope["detail-type"], "connections": delivered})
    return delivered


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
