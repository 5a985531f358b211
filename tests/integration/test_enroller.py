"""Flow 6: the enroller turns contact events from the enroll queue into a contact, an enrollment and a send order,
once per contact and sequence however often the event is delivered."""

import json

import pytest
from emailseq.dal.aws import client


class ContainerDied(Exception):
    """Stands for the Lambda container being lost (timeout, crash) at that point."""


def _detail(event_id="evt-ada", event_type="signed_up", **contact):
    """The RecordEvent the API publishes (the `detail` of the EventBridge envelope)."""
    return {
        "tenant_id": "t1",
        "id": event_id,
        "type": event_type,
        "contact": {"email": "ada@example.com", **contact},
        "properties": {},
        "occurred_at": "2024-03-13T15:23:48.271000Z",
    }


@pytest.fixture
def applied(stack, welcome_sequence):
    assert stack.put_sequence(welcome_sequence).status == 200


def test_the_stored_enroll_queue_event_enrolls_its_contact(stack, applied):
    # Given the enroll queue delivery exactly as stored in tests/events
    event = stack.load_event("sqs_enroller_eventbridge_envelope.json")

    # When the enroller handles it
    response = stack.cold_start("enroller").invoke(event)

    # Then the contact is enrolled and its first send order is queued
    assert response == {"batchItemFailures": []}
    (order,) = stack.drain("SendQueue")
    assert {k: v for k, v in json.loads(order["Body"]).items() if k != "contact_id"} == {
        "tenant_id": "t1",
        "sequence_id": "welcome",
        "version": 1,
        "generation": 1,
        "cursor": 0,
    }


def test_the_same_envelope_delivered_again_enrolls_once_and_orders_one_send(stack, applied):
    # Given one contact event, delivered by SQS twice (same message) and by EventBridge again (new message)
    redelivered = stack.enroller_event(_detail(first_name="Ada"))
    envelope = redelivered["Records"][0]["body"]
    duplicated = {"Records": [stack.sqs_record("EnrollQueue", envelope)]}
    enroller = stack.cold_start("enroller")

    # When the enroller handles every delivery
    responses = [enroller.invoke(event) for event in (redelivered, redelivered, duplicated)]

    # Then each succeeds, but there is one enrollment, one send order and one ContactEnrolled fact
    assert responses == [{"batchItemFailures": []}] * 3
    orders = stack.drain("SendQueue")
    assert len(orders) == 1
    assert stack.report("welcome")["enrolled"] == 1
    assert [kind for kind, _ in stack.domain_events()] == ["ContactEnrolled"]
    # And one contact, readable through the contacts API
    found = stack.find_contact("ADA@example.com")
    assert found.status == 200
    assert found.body["id"] == json.loads(orders[0]["Body"])["contact_id"]
    assert (found.body["email"], found.body["first_name"]) == ("ada@example.com", "Ada")


def test_a_later_event_updates_the_same_contact_without_re_enrolling(stack, applied):
    # Given Ada enrolled by her sign-up
    enroller = stack.cold_start("enroller")
    enroller.invoke(stack.enroller_event(_detail(first_name="Ada")))
    (order,) = stack.drain("SendQueue")

    # When a second sign-up event (new id) brings more profile data
    later = _detail("evt-ada-2", last_name="Lovelace", attributes={"plan": "pro", "seats": 3})
    assert enroller.invoke(stack.enroller_event(later)) == {"batchItemFailures": []}

    # Then the same contact is updated (what was known is kept) and no second enrollment or order is made
    found = stack.find_contact("ada@example.com").body
    assert found["id"] == json.loads(order["Body"])["contact_id"]
    assert (found["first_name"], found["last_name"]) == ("Ada", "Lovelace")
    assert found["attributes"] == {"plan": "pro", "seats": 3}
    assert stack.drain("SendQueue") == []
    assert stack.report("welcome")["enrolled"] == 1
    # And another tenant cannot see the contact
    assert stack.find_contact("ada@example.com", caller={"tenant": "t2", "role": "owner", "sub": "x"}).status == 404


def test_an_event_no_sequence_is_triggered_by_only_records_the_contact(stack, applied):
    # When an event of a type no sequence starts on is handled
    response = stack.cold_start("enroller").invoke(stack.enroller_event(_detail(event_type="page_viewed")))

    # Then the contact exists but nothing is enrolled or ordered
    assert response == {"batchItemFailures": []}
    assert stack.find_contact("ada@example.com").status == 200
    assert stack.drain("SendQueue") == []
    assert stack.report("welcome")["enrolled"] == 0


def test_a_malformed_envelope_fails_alone_in_its_batch(stack, applied):
    # Given a batch of a delivery whose detail is not a RecordEvent, and a good one
    bad = stack.sqs_record("EnrollQueue", json.dumps({"detail-type": "contact.event", "detail": {"id": "x"}}))
    good = stack.enroller_event(_detail())["Records"][0]

    # When the enroller handles the batch
    response = stack.cold_start("enroller").invoke({"Records": [bad, good]})

    # Then only the bad record is reported for retry, and the good one enrolled its contact
    assert response == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    assert len(stack.drain("SendQueue")) == 1


def test_a_crash_before_the_send_order_is_queued_is_recovered_by_the_scheduler(stack, applied):
    # Given an enroller whose container dies after enrolling and leasing Ada's first send, before queueing it
    enroller = stack.cold_start("enroller")
    died: list[int] = []

    def die_once(**_: object) -> None:
        if not died:
            died.append(1)
            raise ContainerDied

    client("sqs").meta.events.register("before-call.sqs.SendMessageBatch", die_once)
    event = stack.enroller_event(_detail())
    with pytest.raises(ContainerDied):  # the batch's orders go out at its end: the invocation dies there
        enroller.invoke(event)

    # When SQS redelivers the event, it is a duplicate enrollment: nothing is queued
    assert enroller.invoke(event) == {"batchItemFailures": []}
    assert stack.drain("SendQueue") == []
    # And the scheduler does not offer the send while its lease (15 minutes) runs
    assert stack.cold_start("scheduler").invoke(stack.scheduled_event()) == {"queued": 0}

    # When the lease has run out
    later = stack.cold_start("scheduler", EMAILSEQ_CLOCK_OFFSET_SECONDS=str(16 * 60))

    # Then the scheduler queues the lost send, and the sender sends the one welcome email
    assert later.invoke(stack.scheduled_event()) == {"queued": 1}
    orders = stack.drain("SendQueue")
    assert stack.cold_start("sender").invoke(stack.sqs_event("SendQueue", orders)) == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    assert stack.report("welcome")["enrolled"] == 1


def test_a_new_versions_trigger_replaces_the_old_one_and_its_where_filters(stack, welcome_sequence):
    # Given version 2 of the welcome sequence, triggered by `activated` for the pro plan only
    stack.put_sequence(welcome_sequence)
    activated = {**welcome_sequence, "trigger": {"event": "activated", "where": {"plan": "pro"}}}
    assert stack.put_sequence(activated).body["version"] == 2
    enroller = stack.cold_start("enroller")

    # When the old trigger event, and an `activated` for another plan, arrive
    enroller.invoke(stack.enroller_event(_detail("evt-1", "signed_up")))
    enroller.invoke(stack.enroller_event({**_detail("evt-2", "activated"), "properties": {"plan": "free"}}))

    # Then nobody is enrolled
    assert stack.drain("SendQueue") == []

    # When a pro activation arrives, the contact is enrolled on version 2
    enroller.invoke(stack.enroller_event({**_detail("evt-3", "activated"), "properties": {"plan": "pro"}}))
    (order,) = stack.drain("SendQueue")
    assert json.loads(order["Body"])["version"] == 2
