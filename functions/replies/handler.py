"""Replies: SES receiving stores each inbound message in S3 (inbound/...); S3 tells the inbound queue; this reads
the message, classifies it (sentiment, unsubscribe request, out of office) and suppresses on an unsubscribe
request. Its own layer carries the model (layers/replies). A message that fails 5 times waits in the DLQ."""

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.dal.aws import client
from emailseq.dal.replies import read_inbound
from emailseq.logic.replies import handle_reply
from emailseq.settings import RepliesSettings
from emailseq.wiring import reply_ports

logger = Logger(service="replies")
ports = reply_ports(RepliesSettings())
s3 = client("s3")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    for s3_record in json.loads(record.body).get("Records", []):  # an s3:TestEvent has none
        bucket, key = s3_record["s3"]["bucket"]["name"], unquote_plus(s3_record["s3"]["object"]["key"])
        handled = handle_reply(ports, key.rsplit("/", 1)[-1], read_inbound(s3, bucket, key))
        reading = handled.reading
        logger.info(
            "reply read",
            extra={"key": key, "matched": handled.matched, "suppressed": handled.suppressed,
                   "sentiment": reading.sentiment if reading else None,
                   "unsubscribe": reading.unsubscribe if reading else None,
                   "out_of_office": reading.out_of_office if reading else None},
        )  # fmt: skip


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
