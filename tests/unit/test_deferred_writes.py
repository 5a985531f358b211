"""A batch's held-back writes (dal.deferred): held until the flush, all flushed even when one part fails."""

from datetime import UTC, datetime

import pytest
from emailseq.dal.deferred import BatchWrites, DeferredBus, DeferredQueue
from emailseq.domain.messages import ContactData, EmailSent, RecordEvent, SendStep
from fakes import FakeEventBus, FakeStepQueue

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class FailingPart:
    def __init__(self) -> None:
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        raise RuntimeError("the service refused the batch")


def _sent(contact_id: str) -> EmailSent:
    return EmailSent(
        tenant_id="t1", contact_id=contact_id, sequence_id="welcome", step_id="hello", message_id="m", sent_at=NOW
    )


def _order(contact_id: str) -> SendStep:
    return SendStep(tenant_id="t1", contact_id=contact_id, sequence_id="welcome", version=1, generation=1, cursor=0)


def test_events_and_orders_wait_for_the_flush_and_go_in_one_call_each():
    # Given a batch holding a bus and a queue
    bus, queue = FakeEventBus(), FakeStepQueue()
    batch = BatchWrites()
    held_bus, held_queue = batch.hold(DeferredBus(bus)), batch.hold(DeferredQueue(queue))

    # When three records publish and enqueue
    for contact_id in ("c1", "c2", "c3"):
        held_bus.publish([_sent(contact_id)])
        held_queue.enqueue([_order(contact_id)])
    # Then nothing went out yet
    assert bus.batches == []
    assert queue.batches == []

    # When the batch ends
    batch.flush()
    # Then each went out in one call, in the order the records made them, and a second flush sends nothing again
    assert [[e.contact_id for e in call] for call in bus.batches] == [["c1", "c2", "c3"]]
    assert [[o.contact_id for o in call] for call in queue.batches] == [["c1", "c2", "c3"]]
    batch.flush()
    assert len(bus.batches) == 1
    assert len(queue.batches) == 1


def test_a_contact_event_is_published_at_once():
    # Given a deferring bus
    bus = FakeEventBus()
    contact = ContactData(email="ada@example.com")
    command = RecordEvent(tenant_id="t1", id="e1", type="signed_up", contact=contact, occurred_at=NOW)

    # When the API's intake publishes a contact event through it
    DeferredBus(bus).publish_contact_event(command)

    # Then it is on the bus without a flush (the intake answers only once it is)
    assert bus.contact_events == [command]


def test_one_failed_part_does_not_keep_the_others_from_their_flush():
    # Given a part that fails, held before a queue with an order waiting
    queue = FakeStepQueue()
    batch = BatchWrites()
    failing = batch.hold(FailingPart())
    batch.hold(DeferredQueue(queue)).enqueue([_order("c1")])

    # When the batch ends, the failure is raised (the invocation fails: SQS hands the batch back)
    with pytest.raises(RuntimeError, match="refused the batch"):
        batch.flush()

    # Then the queue's orders went out all the same
    assert failing.flushes == 1
    assert [[o.contact_id for o in call] for call in queue.batches] == [["c1"]]
