"""What a batch of records leaves to write goes out in one request per kind at the end of the batch (dal.deferred):
the enroller's first orders and ContactEnrolled events, the sender's EmailSent events, message references and
pooled send counts. The enroller also reads an event type's triggers once per batch."""

from collections import Counter
from typing import Any

import pytest
from emailseq.dal.aws import client
from emailseq.dal.replies import DynamoMessageReferences

from tests.support.contact_events import signed_up


def _one_batch(stack, *details: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [record for detail in details for record in stack.enroller_event(detail)["Records"]]}


@pytest.fixture
def requests() -> list[tuple[str, dict[str, Any]]]:
    """(operation, parameters) of every DynamoDB, SQS and EventBridge request the functions make from now on."""
    made: list[tuple[str, dict[str, Any]]] = []
    for service in ("dynamodb", "sqs", "events"):
        client(service).meta.events.register(
            f"provide-client-params.{service}", lambda params, model, **_: made.append((model.name, params))
        )
    return made


def _count(requests: list[tuple[str, dict[str, Any]]], operation: str) -> list[int]:
    """How many entries or items each request of `operation` carried."""
    sizes = []
    for name, params in requests:
        if name == operation:
            carried = params.get("Entries") or [i for t in params.get("RequestItems", {}).values() for i in t]
            sizes.append(len(carried))
    return sizes


def test_an_enroller_batch_queues_its_orders_and_publishes_its_events_in_one_request_each(
    stack, welcome_sequence, requests
):
    # Given Ada's and Grace's sign-ups, delivered to the enroller in one batch
    stack.put_sequence(welcome_sequence)
    batch = _one_batch(stack, signed_up("Ada"), signed_up("Grace"))

    # When the enroller handles the batch
    assert stack.cold_start("enroller").invoke(batch) == {"batchItemFailures": []}

    # Then both first orders went in one SendMessageBatch, and both ContactEnrolled in one PutEvents
    assert _count(requests, "SendMessageBatch") == [2]
    assert _count(requests, "PutEvents") == [2]
    # And the sequences `signed_up` triggers were read once, and two new contacts' enrollments not at all
    queried = [str(p["ExpressionAttributeValues"]) for name, p in requests if name == "Query"]
    assert len([q for q in queried if "#TRIGGER#signed_up" in q]) == 1
    assert [q for q in queried if "#CONTACT#" in q] == []
    assert len(stack.drain("SendQueue")) == 2
    assert [kind for kind, _ in stack.domain_events()] == ["ContactEnrolled", "ContactEnrolled"]


def test_a_sender_batch_records_what_it_sent_in_one_request_each(stack, welcome_sequence, requests):
    # Given Ada's and Grace's welcome orders, delivered to the sender in one batch
    stack.put_sequence(welcome_sequence)
    assert stack.cold_start("enroller").invoke(_one_batch(stack, signed_up("Ada"), signed_up("Grace"))) == {
        "batchItemFailures": []
    }
    orders = stack.drain("SendQueue")
    stack.domain_events()
    requests.clear()

    # When the sender handles the batch
    assert stack.cold_start("sender").invoke(stack.sqs_event("SendQueue", orders)) == {"batchItemFailures": []}

    # Then two emails went out, their EmailSent events in one PutEvents and their references in one BatchWriteItem
    assert sorted(m["Subject"] for m in stack.sent_emails()) == ["Welcome, Ada", "Welcome, Grace"]
    assert _count(requests, "PutEvents") == [2]
    assert [kind for kind, _ in stack.domain_events()] == ["EmailSent", "EmailSent"]
    assert _count(requests, "BatchWriteItem") == [2]
    # And the tenant's pooled send count was raised by two in one write, each contact's own history by one
    pooled = [p for name, p in requests if name == "UpdateItem" and p["Key"].get("sk") == {"S": "#tenant"}]
    assert [p["ExpressionAttributeValues"][":n"] for p in pooled] == [{"N": "2"}]
    own = Counter(p["Key"]["sk"]["S"] for name, p in requests if "last_sent_at" in p.get("UpdateExpression", ""))
    assert sorted(own.values()) == [1, 1]


def test_a_reply_finds_the_contact_through_a_reference_written_at_the_end_of_the_batch(stack, welcome_sequence):
    # Given Ada's welcome email, sent by a sender that holds its references to the end of the batch
    stack.put_sequence(welcome_sequence)
    assert stack.cold_start("enroller").invoke(stack.enroller_event(signed_up("Ada"))) == {"batchItemFailures": []}
    assert stack.cold_start("sender").invoke(stack.sqs_event("SendQueue", stack.drain("SendQueue"))) == {
        "batchItemFailures": []
    }
    (sent,) = [detail for kind, detail in stack.domain_events() if kind == "EmailSent"]

    # When the reply side looks the message up by the id a reply quotes
    references = DynamoMessageReferences(client("dynamodb"), stack.refs["DataTable"])
    found = references.find([f"<{sent['message_id']}@eu-west-1.amazonses.com>"])

    # Then it names Ada's tenant and contact
    assert found == ("t1", sent["contact_id"])
