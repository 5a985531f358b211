"""Double opt-in through the real parts: a request queues the confirmation, the optIn function sends it once, the
public tracking function confirms on the contact's POST and records when and from where."""

import re
from datetime import UTC, datetime

import pytest
from emailseq.dal.aws import client
from emailseq.dal.clock import SystemClock
from emailseq.dal.consents import DynamoConsentStore
from emailseq.dal.queue import SqsOrderQueue
from emailseq.logic.opt_in import OptInPorts, request_opt_in

ADA = "ada@example.com"


@pytest.fixture
def ada_requested(stack):
    """Ada is a contact (she signed up through the API) and asked to join the double opt-in list `news`."""
    assert stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": ADA}}).status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))  # the enroller keeps the contact
    contact_id = stack.find_contact(ADA).body["id"]
    ports = OptInPorts(
        DynamoConsentStore(client("dynamodb"), stack.refs["DataTable"]),
        SqsOrderQueue(client("sqs"), stack.refs["OptInQueue"]),
        SystemClock(),
    )
    request_opt_in(ports, "t1", contact_id, "news", "Weekly news", source="api")
    return contact_id


def _confirmation_link(stack) -> str:
    (message,) = stack.sent_to(ADA)
    (link,) = [url for url in stack.links(message) if "/t/s/" in url]
    return link


def test_the_confirmation_is_sent_once_and_the_post_confirms_with_time_and_origin(stack, ada_requested):
    # Given Ada's pending consent
    consent_key = (f"TENANT#t1#CONTACT#{ada_requested}", "CONSENT#news")
    assert stack.item(*consent_key)["status"] == "pending"

    # When the optIn function takes the order, and a redelivered copy of it
    orders = stack.deliver("OptInQueue", stack.cold_start("optIn"))
    stack.warm("optIn").invoke(stack.sqs_event("OptInQueue", orders))

    # Then Ada got one email, with both parts, naming the list, with a confirmation link on the public route
    (message,) = stack.sent_to(ADA)
    assert message["Subject"] == "Please confirm your subscription to Weekly news"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    link = _confirmation_link(stack)
    assert link.startswith(f"{stack.public_url}/t/s/")

    # When a mail scanner fetches the link (GET), then Ada presses the button (POST)
    page = stack.follow(link)
    assert page.status == 200
    assert "Confirm my subscription" in page.body
    assert stack.item(*consent_key)["status"] == "pending"  # a GET never confirms
    confirmed = stack.follow(link, method="POST", body="")

    # Then the consent is confirmed, with the time, the IP and the user agent of the request that confirmed it
    assert confirmed.status == 200
    assert "confirmed" in confirmed.body
    stored = stack.item(*consent_key)
    assert stored["status"] == "confirmed"
    assert stored["source"] == "api"
    assert stored["confirmed_ip"]
    assert stored["confirmed_user_agent"]
    confirmed_at = datetime.fromisoformat(stored["confirmed_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - confirmed_at).total_seconds()) < 60


def test_a_link_with_one_character_changed_confirms_nothing(stack, ada_requested):
    # Given Ada's confirmation email
    stack.deliver("OptInQueue", stack.cold_start("optIn"))
    link = _confirmation_link(stack)

    # When the last character of the token is changed
    tampered = re.sub(r".$", lambda m: "A" if m.group(0) != "A" else "B", link)
    answers = [stack.follow(tampered), stack.follow(tampered, method="POST", body="")]

    # Then both answers are 404 and the consent is still pending
    assert [answer.status for answer in answers] == [404, 404]
    assert stack.item(f"TENANT#t1#CONTACT#{ada_requested}", "CONSENT#news")["status"] == "pending"
