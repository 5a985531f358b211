"""Flow 9: delivery feedback. SES publishes bounces and complaints of what the sender sent through the configuration
set to an SNS topic; the feedback function suppresses hard-bounced and complaining contacts, so the rest of their
sequence is never sent, and only counts soft bounces. And a throttled send waits (exponential backoff) and goes out
once.

moto's SES keeps no EmailTags, so each notification is the stored SES event (tests/events/sns_ses_*.json) carrying
what the real send carried: the SES message id moto gave it, and the `tenant` and `contact` tags of the SendEmail
request the sender made, checked against the contact the API knows.
"""

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError
from emailseq.dal.aws import client
from emailseq.dal.items import tenant_key
from emailseq.domain.errors import ProviderTemporaryError
from moto.core.utils import unix_time_millis
from moto.sqs.models import sqs_backends

ONE_DAY_AND_A_MINUTE = str(24 * 3600 + 60)
ADA = "ada@example.com"


@dataclass(frozen=True)
class Welcomed:
    """Ada mid-sequence: her welcome sent through the real chain, her second email due in a day."""

    contact_id: str  # as GET /v1/contacts?email= gives it
    ses_message_id: str  # what SES answered the welcome's SendEmail with
    request: dict[str, Any]  # the SendEmail request the sender made


def _capture_sends() -> list[dict[str, Any]]:
    """Every SendEmail request the handlers' SES client makes (parameters as the sender passed them)."""
    requests: list[dict[str, Any]] = []
    client("sesv2").meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(dict(params))
    )
    return requests


@pytest.fixture
def welcomed(stack, onboarding) -> Welcomed:
    sends = _capture_sends()
    assert stack.put_sequence(onboarding).status == 200
    accepted = stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": ADA}})
    assert accepted.status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]
    found = stack.find_contact(ADA)
    assert found.status == 200
    contact_id = found.body["id"]
    enrollment = stack.enrollment_item(contact_id, "onboarding")
    assert (enrollment["status"], enrollment["cursor"]) == ("active", 2)  # waiting for the tips email
    (request,) = sends
    # The send named her (and the tenant) in its tags, hex-encoded: what brings SES's feedback back to her
    tags = {tag["Name"]: tag["Value"] for tag in request.get("EmailTags", [])}
    assert tags == {"tenant": _hex("t1"), "contact": _hex(contact_id)}
    (ses_message_id,) = stack.ses_message_ids()
    stack.domain_events()  # only what happens after the welcome is of interest below
    return Welcomed(contact_id, ses_message_id, request)


def _hex(value: str) -> str:
    """An SES tag value naming `value` (tag values allow only [A-Za-z0-9_-]: the sender hex-encodes ids)."""
    return value.encode().hex()


def _notification(stack, name: str, sent: Welcomed | None = None, contact_id: str | None = None) -> dict[str, Any]:
    """The stored SNS delivery `name` of an SES event about `sent`: the message id SES gave it, and the tags of
    its send (tenant t1, the contact the API knows, or `contact_id`). SES copies a send's EmailTags into every
    event it publishes for it, each value in a list, beside its own ses:* tags."""
    event = stack.load_event(name)
    record = event["Records"][0]
    record["Sns"].update(MessageId=str(uuid.uuid4()), Timestamp=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()))
    topic = stack.refs["DeliveryFeedbackTopic"]
    assert record["Sns"]["TopicArn"] == topic  # the stored delivery came from this stack's topic
    assert record["EventSubscriptionArn"].startswith(f"{topic}:")
    if sent is not None:
        notice = json.loads(record["Sns"]["Message"])
        mail = notice["mail"]
        mail["messageId"] = mail["commonHeaders"]["messageId"] = sent.ses_message_id
        mail["tags"]["ses:configuration-set"] = [sent.request["ConfigurationSetName"]]
        mail["tags"].update(tenant=[_hex("t1")], contact=[_hex(contact_id or sent.contact_id)])
        record["Sns"]["Message"] = json.dumps(notice)
    return event


def _ses_tags(event: dict[str, Any]) -> dict[str, list[str]]:
    return dict(json.loads(event["Records"][0]["Sns"]["Message"])["mail"].get("tags", {}))


def _after_the_wait(stack) -> dict[str, int]:
    """A day and a minute later: the scheduler ticks and the sender handles what it queued."""
    later = {"EMAILSEQ_CLOCK_OFFSET_SECONDS": ONE_DAY_AND_A_MINUTE}
    queued = stack.cold_start("scheduler", **later).invoke(stack.scheduled_event())
    stack.deliver("SendQueue", stack.cold_start("sender", **later))
    return dict(queued)


def test_the_send_carries_the_tags_that_bring_its_feedback_back_to_the_contact(stack, welcomed):
    # Given Ada's welcome as the sender handed it to SES
    request = welcomed.request

    # Then it went through the configuration set whose event destination is the feedback topic
    assert request["ConfigurationSetName"] == stack.refs["MailConfigurationSet"]
    # And its tags name the tenant and the contact the API knows, hex-encoded
    assert request["EmailTags"] == [
        {"Name": "tenant", "Value": _hex("t1")},
        {"Name": "contact", "Value": _hex(welcomed.contact_id)},
    ]
    # And so SES's events about it carry them as the feedback function reads them
    tags = _ses_tags(_notification(stack, "sns_ses_bounce_permanent.json", welcomed))
    assert (tags["tenant"], tags["contact"]) == ([_hex("t1")], [_hex(welcomed.contact_id)])


@pytest.mark.parametrize(
    ("stored", "source"),
    [
        pytest.param("sns_ses_bounce_permanent.json", "hard_bounce", id="hard-bounce"),
        pytest.param("sns_ses_complaint.json", "complaint", id="complaint"),
    ],
)
def test_a_hard_bounce_or_a_complaint_suppresses_the_contact_and_the_rest_of_the_sequence_is_not_sent(
    stack, welcomed, stored, source
):
    # Given Ada mid-sequence (welcome sent, tips due in a day), and SES's notification about her welcome
    event = _notification(stack, stored, welcomed)

    # When the feedback function gets it from the topic
    response = stack.cold_start("feedback").invoke(event)

    # Then she is suppressed, with the reason
    assert response == {"suppressed": 1}
    contact = stack.contact_item(welcomed.contact_id)
    assert contact["unsubscribed_at"]
    assert contact["unsubscribe_source"] == source
    assert "soft_bounces" not in contact

    # When the tips email falls due a day later and the scheduler and sender run
    assert _after_the_wait(stack) == {"queued": 1}

    # Then it is not sent, and the enrollment has exited (and is counted so)
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]
    assert stack.enrollment_item(welcomed.contact_id, "onboarding")["status"] == "exited"
    report = stack.report("onboarding")
    assert (report["exited"], report["completed"]) == (1, 0)
    assert [(s["id"], s["sent"]) for s in report["steps"]] == [("welcome", 1), ("tips", 0)]
    assert stack.domain_events() == []
    # And nothing is due any more
    assert _after_the_wait(stack) == {"queued": 0}


def test_a_soft_bounce_is_counted_and_the_rest_of_the_sequence_is_sent(stack, welcomed):
    # Given Ada mid-sequence, and SES's transient (mailbox full) bounce of her welcome
    event = _notification(stack, "sns_ses_bounce_transient.json", welcomed)

    # When the feedback function gets it
    response = stack.cold_start("feedback").invoke(event)

    # Then it is counted on her, and she is not suppressed
    assert response == {"suppressed": 0}
    contact = stack.contact_item(welcomed.contact_id)
    assert contact["soft_bounces"] == 1
    assert "unsubscribed_at" not in contact
    assert "unsubscribe_source" not in contact

    # When the tips email falls due a day later
    assert _after_the_wait(stack) == {"queued": 1}

    # Then it is sent to her, and her journey completes
    assert [m["Subject"] for m in stack.sent_to(ADA)] == ["Welcome, Ada", "Three tips"]
    assert stack.enrollment_item(welcomed.contact_id, "onboarding")["status"] == "completed"
    assert [(s["id"], s["sent"]) for s in stack.report("onboarding")["steps"]] == [("welcome", 1), ("tips", 1)]


def test_the_same_hard_bounce_delivered_twice_suppresses_once(stack, welcomed):
    # Given SES's hard bounce of Ada's welcome, which SNS delivers twice (at-least-once; a retry may reach
    # another container)
    event = _notification(stack, "sns_ses_bounce_permanent.json", welcomed)

    # When the feedback function handles both deliveries
    first = stack.cold_start("feedback").invoke(event)
    suppressed = stack.contact_item(welcomed.contact_id)
    second = stack.cold_start("feedback").invoke(event)

    # Then the first suppresses her, the second finds her suppressed already and changes nothing
    assert (first, second) == ({"suppressed": 1}, {"suppressed": 0})
    assert stack.contact_item(welcomed.contact_id) == suppressed
    assert suppressed["unsubscribe_source"] == "hard_bounce"


def test_a_soft_bounce_of_a_contact_that_is_no_longer_there_changes_nothing(stack, welcomed):
    # Given SES's soft bounce of a send to a contact of ours that no longer exists
    event = _notification(stack, "sns_ses_bounce_transient.json", welcomed, contact_id="0" * 32)

    # When the feedback function gets it
    response = stack.cold_start("feedback").invoke(event)

    # Then it succeeds (nothing to count; a retry would change nothing), as a hard bounce of it does
    assert response == {"suppressed": 0}
    assert stack.item(tenant_key("t1", "CONTACT", "0" * 32), "PROFILE") is None
    hard = _notification(stack, "sns_ses_bounce_permanent.json", welcomed, contact_id="0" * 32)
    assert stack.cold_start("feedback").invoke(hard) == {"suppressed": 0}


def _without_our_tags(stack, sent):
    """An event-publishing bounce of a send that carried no tenant/contact tags (another app's configuration set)."""
    event = _notification(stack, "sns_ses_bounce_permanent.json", sent)
    notice = json.loads(event["Records"][0]["Sns"]["Message"])
    notice["mail"]["tags"] = {k: v for k, v in notice["mail"]["tags"].items() if k.startswith("ses:")}
    event["Records"][0]["Sns"]["Message"] = json.dumps(notice)
    return event


@pytest.mark.parametrize(
    "notification",
    [
        # feedback forwarding set on another sender's identity: `notificationType`, and SES publishes no tags
        pytest.param(lambda stack, _: _notification(stack, "sns_ses_identity_bounce.json"), id="identity-bounce"),
        # a hard bounce of a send that carried only SES's own tags
        pytest.param(_without_our_tags, id="bounce-without-our-tags"),
        # a delivery of Ada's welcome (with our tags): nothing to act on
        pytest.param(lambda stack, sent: _notification(stack, "sns_ses_delivery.json", sent), id="delivery"),
    ],
)
def test_a_notification_that_is_not_our_bounce_or_complaint_changes_nothing(stack, welcomed, notification):
    # Given Ada mid-sequence, and a notification on the topic that is not a bounce or complaint of one of our sends
    event = notification(stack, welcomed)
    before = stack.contact_item(welcomed.contact_id)

    # When the feedback function gets it
    response = stack.cold_start("feedback").invoke(event)

    # Then it succeeds (no retry) and suppresses no one: Ada is as she was, and her tips email goes out
    assert response == {"suppressed": 0}
    assert stack.contact_item(welcomed.contact_id) == before
    assert _after_the_wait(stack) == {"queued": 1}
    assert [m["Subject"] for m in stack.sent_to(ADA)] == ["Welcome, Ada", "Three tips"]


def test_a_throttled_send_is_retried_after_a_backoff_and_goes_out_once(stack, onboarding):
    # Given Ada enrolled, her welcome's send order on the send queue
    stack.put_sequence(onboarding)
    stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": ADA}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    contact_id = stack.find_contact(ADA).body["id"]
    assert stack.enrollment_item(contact_id, "onboarding")["cursor"] == 0
    stack.domain_events()
    # And SES throttling the sender's first SendEmail (still throttled after the SDK's own retries)
    throttled: list[int] = []

    def throttle_once(**_: object) -> None:
        if not throttled:
            throttled.append(1)
            error = {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, "SendEmail")

    client("sesv2").meta.events.register("before-call.sesv2.SendEmail", throttle_once)
    hidden_for: list[int] = []
    client("sqs").meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility",
        lambda params, **_: hidden_for.append(params["VisibilityTimeout"]),
    )
    sender = stack.cold_start("sender")

    # When the event-source mapping hands the order to the sender
    (order,) = stack.receive("SendQueue")
    with pytest.raises(BatchProcessingError) as failed:
        sender.invoke(stack.sqs_event("SendQueue", [order]))  # its only record failed: the invocation fails

    # Then the record failed as a temporary provider error, and nothing went out or was recorded as sent
    assert throttled == [1]
    assert [kind for kind, _, _ in failed.value.child_exceptions] == [ProviderTemporaryError]
    assert stack.sent_emails() == []
    assert stack.report("onboarding")["steps"][0]["sent"] == 0
    enrollment = stack.enrollment_item(contact_id, "onboarding")
    assert (enrollment["status"], enrollment["cursor"]) == ("active", 0)
    assert stack.domain_events() == []
    # And the message is hidden for the first backoff (30 s), not the queue's visibility timeout (180 s)
    assert hidden_for == [30]
    _, _, _, region, account, queue_name = stack.arns["SendQueue"].split(":")
    (message,) = sqs_backends[account][region].get_queue(queue_name)._messages
    assert 25_000 < message.visible_at - unix_time_millis() <= 30_000
    assert stack.receive("SendQueue") == []

    # When the backoff has run out and SQS delivers the message again
    stack.visibility_lapses("SendQueue", [order])
    (again,) = stack.receive("SendQueue")
    assert (again["MessageId"], again["Attributes"]["ApproximateReceiveCount"]) == (order["MessageId"], "2")
    assert stack.handle("SendQueue", sender, [again]) == {"batchItemFailures": []}
    # And once more (at-least-once delivery)
    assert sender.invoke(stack.sqs_event("SendQueue", [again])) == {"batchItemFailures": []}

    # Then the welcome went out exactly once, counted and announced once with SES's id, and the enrollment moved on
    assert [m["Subject"] for m in stack.sent_to(ADA)] == ["Welcome, Ada"]
    assert stack.report("onboarding")["steps"][0]["sent"] == 1
    facts = stack.domain_events()
    assert [(kind, detail["message_id"]) for kind, detail in facts] == [("EmailSent", stack.ses_message_ids()[0])]
    assert stack.enrollment_item(contact_id, "onboarding")["cursor"] == 2
    assert stack.receive("SendQueue") == []
    assert hidden_for == [30]
