"""Writes an SQS-fed Lambda holds back to the end of its batch, so the batch makes one request where each record
made its own (one PutEvents for the batch's events, one SendMessageBatch for its orders, one BatchWriteItem for
its message references).

Only writes that already sit after a record's once-only or conditional step are held: the email is sent, or the
enrollment stored, before any of them. A crash before the flush loses what a crash between the step and the
write lost before, over a batch instead of a few milliseconds, and nothing the engine needs: an enrollment whose
first order never went out is found by the scheduler when its lease runs out. The handler flushes in `finally`;
a failed flush fails the invocation, so SQS hands the whole batch back (every record in it is safe to repeat).
"""

from typing import Protocol

from emailseq.domain.messages import DomainEvent, RecordEvent, SendStep
from emailseq.domain.ports import EventBus, StepQueue


class Flushable(Protocol):
    def flush(self) -> None: ...


class BatchWrites:
    """The held-back writes of one Lambda batch: register each deferring adapter, flush them all at the end."""

    def __init__(self) -> None:
        self._parts: list[Flushable] = []

    def hold[T: Flushable](self, part: T) -> T:
        self._parts.append(part)
        return part

    def flush(self) -> None:
        """Every part is flushed even when one fails; the first failure is raised after all were tried."""
        failures: list[Exception] = []
        for part in self._parts:
            try:
                part.flush()
            except Exception as failure:  # re-raised below, once the other parts had their turn
                failures.append(failure)
        if failures:
            raise failures[0]


class DeferredBus:
    """Domain events held to the end of the batch; a contact event (the API's intake) still goes at once."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._held: list[DomainEvent] = []

    def publish_contact_event(self, command: RecordEvent) -> None:
        self._bus.publish_contact_event(command)

    def publish(self, events: list[DomainEvent]) -> None:
        self._held.extend(events)

    def flush(self) -> None:
        held, self._held = self._held, []
        if held:
            self._bus.publish(held)


class DeferredQueue:
    """Step orders held to the end of the batch."""

    def __init__(self, queue: StepQueue) -> None:
        self._queue = queue
        self._held: list[SendStep] = []

    def enqueue(self, commands: list[SendStep]) -> None:
        self._held.extend(commands)

    def flush(self) -> None:
        held, self._held = self._held, []
        if held:
            self._queue.enqueue(held)
