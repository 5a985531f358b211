"""Flow 5: the sender sends each step of an enrollment exactly once, whatever SQS and Lambda do: redeliveries,
duplicates in a batch, a crash after SES accepted the email, a duplicate arriving while the first is in flight."""

import json

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from emailseq.dal.aws import client


class ContainerDied(Exception):
    """Stands for the Lambda container being lost (timeout, crash) at that point."""


@pytest.fixture
def order(stack, welcome_sequence):
    """The send order of Ada's welcome email, as the enroller queued it."""
    stack.put_sequence(welcome_sequence)
    detail = {
        "tenant_id": "t1",
        "id": "evt-ada",
        "type": "signed_up",
        "contact": {"email": "ada@example.com", "first_name": "Ada"},
        "properties": {},
        "occurred_at": "2024-03-13T15:23:48.271000Z",
    }
    assert stack.cold_start("enroller").invoke(stack.enroller_event(detail)) == {"batchItemFailures": []}
    (message,) = stack.drain("SendQueue")
    stack.domain_events()  # only what the sender publishes is of interest below
    return message


def _causes(error: BatchProcessingError) -> list[type[BaseException] | None]:
    """What made each record of a wholly failed batch fail (the invocation errors; SQS redelivers the batch)."""
    return [kind for kind, _, _ in error.child_exceptions]


def _sent_facts(stack):
    return [detail for kind, detail in stack.domain_events() if kind == "EmailSent"]


def test_the_stored_send_queue_event_is_a_valid_send_order(stack, order):
    # Given the send queue delivery stored in tests/events, pointed at Ada's enrollment
    event = stack.load_event("sqs_sender_send_step.json")
    body = json.loads(event["Records"][0]["body"])
    body["contact_id"] = json.loads(order["Body"])["contact_id"]
    event["Records"][0]["body"] = json.dumps(body)

    # When the sender handles it
    response = stack.cold_start("sender").invoke(event)

    # Then the welcome email is sent
    assert response == {"batchItemFailures": []}
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]


def test_the_same_message_delivered_twice_sends_one_email(stack, order):
    # Given the send queue's message, which SQS delivers twice (at-least-once)
    event = stack.sqs_event("SendQueue", [order])
    sender = stack.cold_start("sender")

    # When the sender handles both deliveries
    responses = [sender.invoke(event), sender.invoke(event)]

    # Then both succeed (no retry loop) but SES got one email, counted once
    assert responses == [{"batchItemFailures": []}] * 2
    assert len(stack.sent_emails()) == 1
    assert len(_sent_facts(stack)) == 1
    assert stack.report("welcome")["steps"][0] == {"id": "welcome", "sent": 1, "opened": 0, "clicked": 0}


def test_a_batch_carrying_the_same_order_twice_sends_one_email(stack, order):
    # Given one batch holding two messages with the same send order (the order was queued twice)
    batch = {"Records": [stack.sqs_record("SendQueue", order["Body"]), stack.sqs_record("SendQueue", order["Body"])]}

    # When the sender handles the batch
    response = stack.cold_start("sender").invoke(batch)

    # Then both records succeed and one email went out
    assert response == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    assert stack.report("welcome")["steps"][0]["sent"] == 1


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param('{"tenant_id": "t1", "sequence_id": "welcome"}', id="missing-fields"),
        pytest.param("", id="empty"),
    ],
)
def test_a_malformed_record_is_reported_and_the_good_record_in_its_batch_is_sent(stack, order, malformed):
    # Given a batch of a malformed record and a good send order
    bad = stack.sqs_record("SendQueue", malformed)
    good = stack.sqs_event("SendQueue", [order])["Records"][0]

    # When the sender handles the batch
    response = stack.cold_start("sender").invoke({"Records": [bad, good]})

    # Then only the malformed record is handed back for retry, and the good one was sent
    assert response == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]


def test_a_redelivery_after_a_crash_between_send_and_bookkeeping_does_not_send_again(stack, order):
    # Given a sender whose container dies right after SES accepted the email, before the enrollment moves on
    sender = stack.cold_start("sender")
    died: list[int] = []

    def die_once(**_: object) -> None:
        if not died:
            died.append(1)
            raise ContainerDied

    client("dynamodb").meta.events.register("before-call.dynamodb.TransactWriteItems", die_once)
    event = stack.sqs_event("SendQueue", [order])

    # When the order is delivered and the invocation fails (its only record failed, so SQS redelivers it)
    with pytest.raises(BatchProcessingError) as failed:
        sender.invoke(event)
    assert _causes(failed.value) == [ContainerDied]
    assert len(stack.sent_emails()) == 1
    assert stack.report("welcome")["steps"][0]["sent"] == 0
    # And SQS delivers it again
    second = sender.invoke(event)

    # Then the retry succeeds without a second email, and the enrollment moved on with the first send's id
    assert second == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    assert stack.report("welcome")["steps"][0]["sent"] == 1
    assert [fact["message_id"] for fact in _sent_facts(stack)] == stack.ses_message_ids()


def test_a_duplicate_arriving_while_the_first_send_is_in_flight_is_retried_not_sent(stack, order):
    # Given two sender containers, and the same order reaching the second while the first is calling SES
    first_container, second_container = stack.cold_start("sender"), stack.cold_start("sender")
    duplicate = {"Records": [stack.sqs_record("SendQueue", order["Body"])]}
    concurrent: list[BatchProcessingError] = []

    def duplicate_arrives(**_: object) -> None:
        if not concurrent:
            with pytest.raises(BatchProcessingError) as refused:
                second_container.invoke(duplicate)
            concurrent.append(refused.value)

    client("sesv2").meta.events.register("before-call.sesv2.SendEmail", duplicate_arrives)

    # When the first container handles the order
    response = first_container.invoke(stack.sqs_event("SendQueue", [order]))

    # Then the duplicate's invocation failed as "already in progress" (SQS retries it later), and the first sent
    # the one email
    assert [_causes(error) for error in concurrent] == [[IdempotencyAlreadyInProgressError]]
    assert response == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    # And when SQS retries the duplicate later, it is stale: still one email
    assert second_container.invoke(duplicate) == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    assert stack.report("welcome")["steps"][0]["sent"] == 1
