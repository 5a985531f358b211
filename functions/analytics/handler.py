"""Analytics: domain events from the bus (via SQS) → day counters per sequence and step, attributed conversions and
export rows, each counted once per business key."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.messages import read_domain_event
from emailseq.logic.analytics import record as count_event
from emailseq.settings import AnalyticsSettings
from emailseq.wiring import analytics_ports

logger = Logger(service="analytics")
ports = analytics_ports(AnalyticsSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = json.loads(record.body)
    event = read_domain_event(envelope["detail-type"], envelope["detail"])
    counted = event is not None and count_event(ports, event)
    logger.info("domain event counted", extra={"type": envelope["detail-type"], "counted": counted})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
