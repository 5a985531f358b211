"""In-memory adapters of the outputs: the send queue, the mail provider, the event bus and webhooks. Each records
what it was given (the runner takes the orders and the emails out) and succeeds."""

from collections import Counter
from typing import Any

from emailseq.domain.messages import DomainEvent, RecordEvent, SendStep
from emailseq.domain.ports import OutgoingEmail


class CollectingQueue:
    """Send orders wait here until the runner takes them (SQS, without the network)."""

    def __init__(self) -> None:
        self.orders: list[SendStep] = []

    def enqueue(self, commands: list[SendStep]) -> None:
        self.orders.extend(commands)

    def take(self) -> list[SendStep]:
        taken, self.orders = self.orders, []
        return taken


class RecordingMailer:
    """Accepts every email with a fresh message id; the runner takes them out to hand to the audience."""

    def __init__(self) -> None:
        self.outbox: list[OutgoingEmail] = []
        self.sent = 0

    def send(self, email: OutgoingEmail) -> str:
        self.sent += 1
        self.outbox.append(email)
        return f"sim-{self.sent}@sim.invalid"

    def take(self) -> list[OutgoingEmail]:
        taken, self.outbox = self.outbox, []
        return taken


class RecordingBus:
    """Counts what was published, by type (nobody subscribes in a simulation)."""

    def __init__(self) -> None:
        self.published: Counter[str] = Counter()

    def publish_contact_event(self, command: RecordEvent) -> None:
        self.published["contact.event"] += 1

    def publish(self, events: list[DomainEvent]) -> None:
        self.published.update(type(event).__name__ for event in events)


class RecordingWebhooks:
    """Every webhook answers 200; the calls are kept as (url, body, idempotency key)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []

    def post(self, url: str, body: dict[str, Any], idempotency_key: str, allow_private: bool = False) -> int:
        self.calls.append((url, body, idempotency_key))
        return 200
