"""Importer: the contacts work queue (S3 upload events, import chunks, segment backfill pages) → contacts."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.work import handle_work_message
from emailseq.observability import observed
from emailseq.settings import ContactsWorkSettings
from emailseq.wiring import audience_ports, import_ports

logger = Logger(service="importer")
settings = ContactsWorkSettings()
imports, audiences = import_ports(settings), audience_ports(settings)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    kind = handle_work_message(imports, audiences, json.loads(record.body))
    logger.info("work message handled", extra={"kind": kind, "message_id": record.message_id})


@observed(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
