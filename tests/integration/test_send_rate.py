"""The sender's per-tenant send rate against moto: a burst over the rate goes back to the queue with nothing marked
sent; when their windows have passed the orders go, each email once. (moto has no SES GetAccount:
the sender runs on its fallback account rate, as it would when SES cannot tell it.)"""

import json
import time

from emailseq.dal.aws import client
from emailseq.dal.items import tenant_key
from emailseq.dal.send_rate import BatchSendSlots, DynamoSendRateLimiter

from tests.unit.fakes import FakeSendRateLimiter

BURST = 4


def _put_settings(stack, settings: dict) -> None:
    event = stack.http_event("PUT", "/v1/settings", route_key="PUT /v1/settings", body=settings)
    assert stack.call_api("apiSequences", event).status == 200


def _enroll(stack, count: int) -> list[dict]:
    enroller = stack.cold_start("enroller")
    for n in range(count):
        detail = {
            "tenant_id": "t1",
            "id": f"evt-{n}",
            "type": "signed_up",
            "contact": {"email": f"c{n}@example.com", "first_name": f"C{n}"},
            "properties": {},
            "occurred_at": "2024-03-13T15:23:48.271000Z",
        }
        assert enroller.invoke(stack.enroller_event(detail)) == {"batchItemFailures": []}
    orders = []
    while len(orders) < count and (batch := stack.receive("SendQueue")):
        orders += batch
    assert len(orders) == count
    return orders


def _take_slots(stack, seconds: int) -> None:
    limiter = DynamoSendRateLimiter(client("dynamodb"), stack.refs["DataTable"])
    now = int(time.time())
    for second in range(now, now + seconds):
        assert limiter.reserve("t1", second, 1)


def _step_sent(stack, order: dict) -> bool:
    """The enrollment moved past the welcome email (the order's cursor), the bookkeeping of a send."""
    body = json.loads(order["Body"])
    return stack.enrollment_item(body["contact_id"], "welcome")["cursor"] != body["cursor"]


def test_a_burst_over_the_tenants_rate_sends_the_excess_back_unsent_and_sends_it_after_the_window(
    stack, welcome_sequence
):
    # Given tenant t1 allowed one send a second, four welcome orders on the send queue at once, and this second's
    # and the next one's slot already taken by another worker (so the burst is over the rate however fast or slow
    # this machine handles it)
    _put_settings(stack, {"max_sends_per_second": 1})
    stack.put_sequence(welcome_sequence)
    orders = _enroll(stack, BURST)
    sender = stack.cold_start("sender")
    started = time.monotonic()
    _take_slots(stack, seconds=2)

    # When the sender gets them as one batch
    response = stack.handle("SendQueue", sender, orders)
    elapsed = time.monotonic() - started

    # Then the batch succeeds as a whole (nothing waits on the queue's 3-minute visibility timeout, and no receive
    # counts towards the dead-letter queue), at most one send went out per free second the batch took
    assert response == {"batchItemFailures": []}
    sent = len(stack.sent_emails())
    assert sent <= int(elapsed)  # the seconds from the taken slots' start, less the two taken
    assert sent < BURST
    # And the throttled orders are not marked sent, and come back as fresh messages one or two seconds later
    assert sum(_step_sent(stack, order) for order in orders) == sent
    time.sleep(2.2)
    back = stack.receive("SendQueue")
    assert len(back) == BURST - sent
    assert {message["Attributes"]["ApproximateReceiveCount"] for message in back} == {"1"}
    assert {message["Body"] for message in back} <= {order["Body"] for order in orders}

    # When the sender keeps taking what comes back, as the event-source mapping does
    deadline = time.monotonic() + 20
    while len(stack.sent_emails()) < BURST and time.monotonic() < deadline:
        if back:
            stack.handle("SendQueue", sender, back)
        time.sleep(0.5)
        back = stack.receive("SendQueue")

    # Then every contact got its welcome email exactly once, every enrollment is marked sent, nothing is left over
    recipients = sorted(message["To"] for message in stack.sent_emails())
    assert recipients == sorted(f"c{n}@example.com" for n in range(BURST))
    assert all(_step_sent(stack, order) for order in orders)
    time.sleep(2.2)
    assert stack.receive("SendQueue") == []


def test_the_dynamodb_limiter_and_the_unit_tests_fake_agree(stack):
    # Given the adapter on the stack's table and the fake of tests/unit (the other tests lean on it)
    fake = FakeSendRateLimiter()
    adapter = DynamoSendRateLimiter(client("dynamodb"), stack.refs["DataTable"])
    asks = [("t1", 100, 2)] * 3 + [("t2", 100, 2), (None, 100, 1), (None, 100, 1), ("t1", 101, 2), ("t1", 100, 3)]
    # When both are asked the same, in the same order
    answers = [(fake.reserve(*ask), adapter.reserve(*ask)) for ask in asks]
    # Then they answer the same: two slots per window for t1, separate windows per tenant, second and account
    assert [a for a, _ in answers] == [b for _, b in answers] == [True, True, False, True, True, False, True, True]
    # And a window's item expires through the table's TTL a little after its second
    item = stack.item(tenant_key("t1", "SENDRATE"), "SECOND#100")
    assert (item["sends"], item["expires_at"]) == (3, 220)


def test_a_batch_takes_the_account_slots_of_its_orders_in_one_write(stack):
    # Given a batch of three orders, and every write to the table noted
    slots = BatchSendSlots(DynamoSendRateLimiter(client("dynamodb"), stack.refs["DataTable"]))
    writes: list[str] = []
    client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.UpdateItem", lambda params, **_: writes.append(params["Key"]["sk"]["S"])
    )
    slots.expect(3)

    # When its three sends ask for an account slot in second 200 (limit 5)
    answers = [slots.reserve(None, 200, 5) for _ in range(3)]

    # Then all three may go, and the window took their three slots in one write
    assert answers == [True, True, True]
    assert writes == ["SECOND#200"]
    assert stack.item("ACCOUNT#SENDRATE", "SECOND#200")["sends"] == 3


def test_a_window_that_cannot_hold_the_whole_batch_gives_its_slots_one_by_one(stack):
    # Given another worker took 3 of second 300's 4 slots, and a batch of three orders
    windows = DynamoSendRateLimiter(client("dynamodb"), stack.refs["DataTable"])
    assert windows.reserve(None, 300, 4, slots=3)
    slots = BatchSendSlots(windows)
    slots.expect(3)

    # When its sends ask in second 300, then one more in second 301
    answers = [slots.reserve(None, 300, 4) for _ in range(2)] + [slots.reserve(None, 301, 4)]

    # Then the last slot of 300 goes to the first, the second is turned away, the third takes one in 301
    assert answers == [True, False, True]
    assert stack.item("ACCOUNT#SENDRATE", "SECOND#300")["sends"] == 4
    assert stack.item("ACCOUNT#SENDRATE", "SECOND#301")["sends"] == 1


def test_slots_left_when_the_second_or_the_batch_ends_are_not_used_later(stack):
    # Given a batch of three whose first send took three slots of second 400
    windows = DynamoSendRateLimiter(client("dynamodb"), stack.refs["DataTable"])
    slots = BatchSendSlots(windows)
    slots.expect(3)
    assert slots.reserve(None, 400, 10)

    # When its next send comes in second 401, and after the batch ends a new one sends in 400 again
    assert slots.reserve(None, 401, 10)
    slots.flush()
    slots.expect(1)
    assert slots.reserve(None, 400, 10)

    # Then each of those took a slot of its own: spares never cross a second or a batch
    assert stack.item("ACCOUNT#SENDRATE", "SECOND#400")["sends"] == 4
    assert stack.item("ACCOUNT#SENDRATE", "SECOND#401")["sends"] == 2
