"""Flow 5: the sender sends each step of an enrollment exactly once, whatever SQS, Lambda and SES do: redeliveries,
duplicates in a batch, a crash after SES accepted the email, SES throttling before it, a duplicate arriving while the
first is in flight."""

import json

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from botocore.exceptions import ClientError
from emailseq.dal.aws import client

from tests.support.contact_events import signed_up

NOT_YET = {"delivered": 0, "bounced": 0, "converted": 0}

TWO_DAYS_AND_A_MINUTE = str(2 * 24 * 3600 + 60)
CONTACTS = ("ada@example.com", "grace@example.com")


class ContainerDied(Exception):
    """Stands for the Lambda container being lost (timeout, crash) at that point."""


def _sign_up(stack, first_name: str) -> None:
    """`first_name` signs up (the welcome sequence's trigger); the enroller queues the welcome email's order."""
    assert stack.cold_start("enroller").invoke(stack.enroller_event(signed_up(first_name))) == {"batchItemFailures": []}


@pytest.fixture
def order(stack, welcome_sequence):
    """The send order of Ada's welcome email, as the enroller queued it."""
    stack.put_sequence(welcome_sequence)
    _sign_up(stack, "Ada")
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
    assert stack.report("welcome")["steps"][0] == {
        "id": "welcome",
        "sent": 1,
        "opened": 0,
        "clicked": 0,
        "unsubscribed": 0,
        "machine_opened": 0,
        **NOT_YET,  # the analytics fields: nothing delivered, bounced or converted here
    }


def test_an_order_reads_its_enrollment_sequence_status_and_contact_in_one_request(stack, order):
    # Given a sender, and Ada's order; every DynamoDB request it makes is noted (operation, sort keys named)
    sender = stack.cold_start("sender")
    requests: list[tuple[str, list[str]]] = []

    def note(params: dict, model: object, **_: object) -> None:
        if model.name not in ("GetItem", "BatchGetItem", "Query"):
            return
        keys = [params["Key"]] if "Key" in params else []
        keys += [k for table in params.get("RequestItems", {}).values() for k in table.get("Keys", [])]
        requests.append((model.name, sorted(k["sk"]["S"] for k in keys if "sk" in k)))

    client("dynamodb").meta.events.register("provide-client-params.dynamodb", note, unique_id="note-reads")

    # When the sender handles it
    assert sender.invoke(stack.sqs_event("SendQueue", [order])) == {"batchItemFailures": []}

    # Then the enrollment, the sequence's head and the profile were read together, in one BatchGetItem
    reads = requests
    assert ("BatchGetItem", ["ENROLLMENT#welcome", "HEAD", "PROFILE"]) in reads
    # And nothing else read them: the other reads are what a cold container reads once (key, version, settings)
    assert sorted(k for _, keys in reads for k in keys if not k.startswith(("DATA#", "VERSION#"))) == [
        "ENROLLMENT#welcome",
        "HEAD",
        "PROFILE",
        "SETTINGS",
    ]
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]


def test_a_batch_of_orders_is_read_in_one_request(stack, order):
    # Given Grace enrolled as well: two send orders, delivered in one batch
    _sign_up(stack, "Grace")
    orders = [order, *stack.drain("SendQueue")]
    sender = stack.cold_start("sender")
    batch_reads: list[int] = []
    client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.BatchGetItem",
        lambda params, **_: batch_reads.append(sum(len(t["Keys"]) for t in params["RequestItems"].values())),
    )

    # When the sender handles the batch
    assert sender.invoke(stack.sqs_event("SendQueue", orders)) == {"batchItemFailures": []}

    # Then both orders' state came in one request (two enrollments, the sequence's head once, two profiles)
    assert batch_reads == [5]
    assert sorted(m["Subject"] for m in stack.sent_emails()) == ["Welcome, Ada", "Welcome, Grace"]


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


def _bookkeeping_fails_once(sender, monkeypatch):
    """The worker dies after SES accepted an email, before the enrollment store records the step as done."""
    store = sender.module.ports.enrollments
    original = store.replace
    failed: list[int] = []

    def replace(*args, **kwargs):
        if not failed:
            failed.append(1)
            raise ContainerDied
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "replace", replace)
    return failed


def _send_fails_once(sender, monkeypatch):
    """SES refuses the worker's first send (still throttled after the SDK's own retries): nothing went out."""
    failed: list[int] = []

    def throttled(**_: object) -> None:
        if not failed:
            failed.append(1)
            error = {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}
            raise ClientError({"Error": error}, "SendEmail")

    client("sesv2").meta.events.register("before-call.sesv2.SendEmail", throttled)
    return failed


def _deliver_with_one_failure(stack, sender, arm_failure, monkeypatch):
    """The send queue's orders reach the worker as one batch while it fails once; SQS offers the failed message
    again when its visibility timeout has run out, and the worker handles it."""
    orders = stack.receive("SendQueue")
    assert len(orders) == len(CONTACTS)
    failed = arm_failure(sender, monkeypatch)
    response = stack.handle("SendQueue", sender, orders)
    assert failed == [1]
    (failure,) = response["batchItemFailures"]  # only that record failed: the other contact's was handled
    # The failed message stays on the queue, hidden for now
    assert stack.receive("SendQueue") == []
    stack.visibility_lapses("SendQueue", [o for o in orders if o["MessageId"] == failure["itemIdentifier"]])
    (again,) = stack.receive("SendQueue")
    assert (again["MessageId"], again["Attributes"]["ApproximateReceiveCount"]) == (failure["itemIdentifier"], "2")
    assert stack.handle("SendQueue", sender, [again]) == {"batchItemFailures": []}
    assert stack.receive("SendQueue") == []


@pytest.mark.parametrize(
    ("arm_failure", "backoffs"),
    [
        # a lost container is retried after the queue's visibility timeout
        pytest.param(_bookkeeping_fails_once, [], id="after-the-send-before-the-bookkeeping"),
        # a throttled send is retried sooner: the worker hides the message for 30 s (first attempt's backoff)
        pytest.param(_send_fails_once, [30, 30], id="before-the-send"),
    ],
)
def test_a_worker_failing_once_around_each_send_leaves_each_contact_one_copy_of_every_email(
    stack, welcome_sequence, monkeypatch, arm_failure, backoffs
):
    # Given Ada and Grace enrolled in the welcome sequence (welcome → wait 2d → follow-up), their orders queued
    hidden_for: list[int] = []
    client("sqs").meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility",
        lambda params, **_: hidden_for.append(params["VisibilityTimeout"]),
    )
    stack.put_sequence(welcome_sequence)
    for address in CONTACTS:
        accepted = stack.post_event({"id": f"evt-{address}", "type": "signed_up", "contact": {"email": address}})
        assert accepted.status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))

    # When the worker fails once while handling the welcome batch, and SQS redelivers the failed message
    _deliver_with_one_failure(stack, stack.cold_start("sender"), arm_failure, monkeypatch)
    # And two days later the scheduler queues both follow-ups, and the worker fails once again the same way
    later = {"EMAILSEQ_CLOCK_OFFSET_SECONDS": TWO_DAYS_AND_A_MINUTE}
    assert stack.cold_start("scheduler", **later).invoke(stack.scheduled_event()) == {"queued": 2}
    _deliver_with_one_failure(stack, stack.cold_start("sender", **later), arm_failure, monkeypatch)

    # Then each contact got exactly one copy of every email, in order
    for address in CONTACTS:
        assert [m["Subject"] for m in stack.sent_to(address)] == ["Welcome, there", "How is it going?"]
    # And each send is counted and announced once, with the id SES gave it, and archived once under that id
    assert [(s["id"], s["sent"]) for s in stack.report("welcome")["steps"]] == [("welcome", 2), ("follow-up", 2)]
    assert sorted(fact["message_id"] for fact in _sent_facts(stack)) == sorted(stack.ses_message_ids())
    assert sorted(stack.archived("t1")) == sorted(stack.ses_message_ids())
    assert stack.report("welcome")["completed"] == 2
    # And the failed message was retried after the backoff its failure calls for
    assert hidden_for == backoffs


def test_an_archive_failure_after_ses_accepted_the_email_does_not_send_it_again(stack, order):
    # Given S3 failing the sender's first archive write (after SES accepted the email)
    sender = stack.cold_start("sender")
    failed: list[int] = []

    def s3_unavailable(**_: object) -> None:
        if not failed:
            failed.append(1)
            raise ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": "Please reduce your rate."}}, "PutObject"
            )

    client("s3").meta.events.register("before-call.s3.PutObject", s3_unavailable)
    event = stack.sqs_event("SendQueue", [order])

    # When the order is handled (the archive write fails, the send stands) and SQS delivers it again anyway
    assert sender.invoke(event) == {"batchItemFailures": []}
    assert failed == [1]
    assert len(stack.sent_emails()) == 1
    assert sender.invoke(event) == {"batchItemFailures": []}

    # Then Ada still has one welcome email
    assert len(stack.sent_emails()) == 1
