"""Recommender: ContactEnrolled and LinkClicked domain events (bus → its own queue) keep each contact's content
profile (interests + clicked blocks) for `recommend(collection, n)`. It carries the replyModel layer (MiniLM embeds
the `interests` attribute). Recomputed from state, so a redelivered event changes nothing; a record that fails 5
times waits in the DLQ (`emailseq dlq list --queue recommend`)."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.messages import ContactEnrolled, LinkClicked, read_domain_event
from emailseq.logic.recommendations import contact_enrolled, link_clicked
from emailseq.settings import ContentSettings
from emailseq.wiring import profile_ports

logger = Logger(service="recommender")
ports = profile_ports(ContentSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = json.loads(record.body)
    event = read_domain_event(envelope["detail-type"], envelope["detail"])
    changed = False
    if isinstance(event, ContactEnrolled):
        changed = contact_enrolled(ports, event.tenant_id, event.contact_id)
    elif isinstance(event, LinkClicked):
        changed = link_clicked(ports, event.tenant_id, event.contact_id, event.url)
    logger.info("content profile", extra={"type": envelope["detail-type"], "id": envelope["id"], "changed": changed})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
