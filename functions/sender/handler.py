"""Step worker: SendStep orders from SQS → run the enrollment's due steps (emails, updates, webhooks) exactly once."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.domain.errors import ProviderTemporaryError, SendThrottled
from emailseq.domain.messages import SendStep, well_formed_orders
from emailseq.logic.run_step import read_ahead, run_step
from emailseq.observability import counted_send, observed
from emailseq.settings import SenderSettings
from emailseq.wiring import step_ports

logger = Logger(service="sender")
ports, once, batch, slots, backoff, throttled = step_ports(SenderSettings())
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    order = SendStep.model_validate_json(record.body)
    try:
        with counted_send():
            happened = run_step(ports, order)
    except SendThrottled:
        seconds = throttled.send_back(record.event_source_arn, record.body)
        logger.info("send rate reached, order sent back", extra={"retry_in_seconds": seconds})
        return  # its fresh copy carries it on: this message is done
    except ProviderTemporaryError:
        attempt = int(record.attributes.approximate_receive_count)
        seconds = backoff.delay(record.event_source_arn, record.receipt_handle, attempt)
        logger.warning("provider busy, retrying later", extra={"attempt": attempt, "retry_in_seconds": seconds})
        raise
    logger.info(
        "step order handled",
        extra={
            "sequence_id": order.sequence_id,
            "cursor": order.cursor,
            "facts": [type(fact).__name__ for fact in happened],
        },
    )


@observed(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    once.config.register_lambda_context(context)
    bodies = [record.get("body", "") for record in event.get("Records", [])]
    orders = well_formed_orders(bodies)
    read_ahead(ports, orders)  # if this fails, nothing was done yet: SQS hands the batch back
    slots.expect(len(orders))
    try:
        return process_partial_response(event, record_handler, processor, context)
    finally:
        batch.flush()  # the batch's events, message references and pooled counts, one request each
