"""Webhook delivery: one order per (subscription, event) → a signed POST; no 2xx → retried with exponential backoff
(30 s doubling up to 2 h), then the order moves to the dead-letter queue (`emailseq dlq list`)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.dal.aws import client
from emailseq.dal.queue import SqsRetryBackoff
from emailseq.domain.webhooks import DeliverWebhook, DeliveryFailed
from emailseq.logic.webhooks import deliver
from emailseq.settings import WebhookSettings
from emailseq.wiring import webhook_ports

logger = Logger(service="webhook-delivery")
ports = webhook_ports(WebhookSettings())
processor = BatchProcessor(event_type=EventType.SQS)
backoff = SqsRetryBackoff(client("sqs"), base_seconds=30, cap_seconds=7200)


def record_handler(record: SQSRecord) -> None:
    order = DeliverWebhook.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count)
    try:
        done = deliver(ports, order, attempt)
    except DeliveryFailed as failed:
        seconds = backoff.delay(record.event_source_arn, record.receipt_handle, attempt)
        logger.warning(
            "webhook not delivered, retrying later",
            extra={
                "subscription_id": order.subscription_id,
                "attempt": attempt,
                "retry_in_seconds": seconds,
                "reason": str(failed),
            },
        )
        raise
    outcome = done.outcome if done is not None else "skipped"
    logger.info("webhook delivery", extra={"subscription_id": order.subscription_id, "outcome": outcome})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
