"""Where an injected fault strikes, decided per AWS call the function makes (pure: no I/O, no botocore).

A failing invocation is chosen when it starts, with one fault point; the point fires at the first call that
matches it, so the failure lands at a real place in the code path: before the provider call, after the email went
out but before the enrollment's bookkeeping, on a storage write (refused, or applied and then the worker dies),
on an order sent to the queue, or as a provider that answers "throttled".
"""

import random
from dataclasses import dataclass, field
from enum import StrEnum

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
QUEUE_SENDS = frozenset({"SendMessage", "SendMessageBatch"})


class Point(StrEnum):
    BEFORE_SEND = "before-send"  # the worker dies just before the provider call
    PROVIDER = "provider"  # the provider answers throttled / unavailable
    AFTER_SEND = "after-send"  # the email is out; the worker dies before the enrollment's bookkeeping write
    WRITE_REFUSED = "write-refused"  # a DynamoDB write fails and is not applied
    WRITE_LOST_REPLY = "write-lost-reply"  # a DynamoDB write is applied, then the worker dies before it returns
    QUEUE_SEND = "queue-send"  # an SQS send fails


class Action(StrEnum):
    NONE = "none"
    CRASH_BEFORE = "crash-before"  # raise instead of making the call
    CRASH_AFTER = "crash-after"  # make the call, then raise
    PROVIDER_ERROR = "provider-error"  # answer with the provider's throttling error instead of making the call


# The points each engine function can reach (a point a function never reaches would only dilute the rate).
POINTS: dict[str, tuple[Point, ...]] = {
    "sender": (Point.BEFORE_SEND, Point.PROVIDER, Point.AFTER_SEND, Point.WRITE_REFUSED, Point.WRITE_LOST_REPLY),
    "enroller": (Point.WRITE_REFUSED, Point.WRITE_LOST_REPLY, Point.QUEUE_SEND),
    "scheduler": (Point.WRITE_REFUSED, Point.WRITE_LOST_REPLY, Point.QUEUE_SEND),
}


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    table: str = ""  # DynamoDB: the TableName parameter (empty for transactions)


@dataclass
class Armed:
    """The fault this invocation carries, until it fires."""

    point: Point
    email_out: bool = field(default=False)
    fired: bool = field(default=False)


def arm(function: str, rate: float, rng: random.Random) -> Armed | None:
    """At the start of an invocation: with probability `rate`, the fault it will suffer."""
    points = POINTS.get(function, ())
    if not points or rng.random() >= rate:
        return None
    return Armed(rng.choice(points))


def decide(armed: Armed | None, call: Call, data_table: str) -> Action:
    """What the fault does to this call (and whether it fired)."""
    if armed is None or armed.fired:
        return Action.NONE
    action = _action(armed, call, data_table)
    armed.fired = action is not Action.NONE
    return action


def _action(armed: Armed, call: Call, data_table: str) -> Action:
    is_send = call.service == "sesv2" and call.operation == "SendEmail"
    is_write = call.service == "dynamodb" and call.operation in WRITES
    match armed.point:
        case Point.BEFORE_SEND if is_send:
            return Action.CRASH_BEFORE
        case Point.PROVIDER if is_send:
            return Action.PROVIDER_ERROR
        case Point.AFTER_SEND if armed.email_out and is_write and call.table in ("", data_table):
            return Action.CRASH_BEFORE  # the enrollment's advance (or the sent counter) never happens
        case Point.WRITE_REFUSED if is_write:
            return Action.CRASH_BEFORE
        case Point.WRITE_LOST_REPLY if is_write:
            return Action.CRASH_AFTER
        case Point.QUEUE_SEND if call.service == "sqs" and call.operation in QUEUE_SENDS:
            return Action.CRASH_BEFORE
    return Action.NONE


def note_sent(armed: Armed | None, call: Call) -> None:
    """After a call went through: the after-send point waits for the email to be out."""
    if armed is not None and call.service == "sesv2" and call.operation == "SendEmail":
        armed.email_out = True


def duplicates(call: Call, rate: float, rng: random.Random) -> bool:
    """Whether this queue send is made twice (a duplicate SQS delivery downstream)."""
    return call.service == "sqs" and call.operation in QUEUE_SENDS and rng.random() < rate


def strip_once_guard(params: dict[str, object]) -> dict[str, object]:
    """The idempotency record's PutItem without its condition: every attempt 'wins' the guard (the test's
    negative control, never a real mode)."""
    dropped = {"ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"}
    dropped.add("ReturnValuesOnConditionCheckFailure")
    return {key: value for key, value in params.items() if key not in dropped}


def priced_items(operation: str, params: dict[str, object]) -> int:
    """How many priced units a request carries: events in a PutEvents, items in a transaction or batch."""
    if operation in ("PutEvents", "SendMessageBatch", "DeleteMessageBatch"):
        return len(params.get("Entries", []))  # type: ignore[arg-type]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return len(params.get("TransactItems", []))  # type: ignore[arg-type]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        batches = params.get("RequestItems", {})
        assert isinstance(batches, dict)
        return sum(len(v.get("Keys", [])) if isinstance(v, dict) else len(v) for v in batches.values())
    return 1
