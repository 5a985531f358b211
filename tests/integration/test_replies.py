"""Replies: SES receiving stores a reply in the data bucket under inbound/, S3 tells the inbound queue, and the
replies function (its real model: MiniLM int8 ONNX + the trained head) reads it. A reply asking to be removed
suppresses the contact: the rest of her sequence is never sent."""

import json
import uuid
from email.message import EmailMessage

from emailseq.dal.aws import client
from emailseq.dal.items import from_item
from emailseq.dal.replies import DynamoMessageReferences

ADA = "ada@example.com"


def _welcomed(stack, onboarding: dict) -> tuple[str, str]:
    """Ada enrolled and welcomed through the real chain: (her contact id, the SES message id of the welcome)."""
    assert stack.put_sequence(onboarding).status == 200
    assert stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": ADA}}).status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    (message_id,) = stack.ses_message_ids()
    return stack.find_contact(ADA).body["id"], message_id


def _reply(stack, text: str, in_reply_to: str) -> dict:
    """Ada's reply as SES receiving stores it (raw MIME under inbound/), and the SQS record S3's notice becomes."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ADA, "sequences@example.com", "Re: Welcome, Ada"
    message["In-Reply-To"] = f"<{in_reply_to}@email.amazonses.com>"
    message.set_content(f"{text}\n\nOn Mon, Acme wrote:\n> Hi Ada!\n")
    key = f"inbound/{uuid.uuid4().hex}"
    client("s3").put_object(Bucket=stack.archive_bucket, Key=key, Body=message.as_bytes())
    notification = stack.load_event("s3_object_created_import.json")
    notification["Records"][0]["s3"]["bucket"]["name"] = stack.archive_bucket
    notification["Records"][0]["s3"]["object"]["key"] = key
    return {"Records": [stack.sqs_record("InboundQueue", json.dumps(notification))]}


def test_please_remove_me_suppresses_the_contact_and_her_next_email_never_goes(stack, onboarding):
    # Given Ada welcomed, her tips email due tomorrow
    contact_id, message_id = _welcomed(stack, onboarding)
    # When she replies "please remove me from this list" and the replies function reads it
    replies = stack.cold_start("replies")
    assert replies.invoke(_reply(stack, "Please remove me from this list.", message_id)) == {"batchItemFailures": []}
    # Then she is suppressed, by a reply
    assert stack.contact_item(contact_id)["unsubscribe_source"] == "reply"
    # And a second reply, a happy one, is read as positive and changes nothing more
    assert replies.invoke(_reply(stack, "Thanks, I love this product!", message_id)) == {"batchItemFailures": []}
    readings = _readings(stack.refs["DataTable"], contact_id)
    assert [(r["unsubscribe"], r["out_of_office"]) for r in readings] == [(True, False), (False, False)]
    assert readings[1]["sentiment"] == "positive"


def _readings(table: str, contact_id: str) -> list[dict]:
    """How each of her replies was read, oldest first."""
    found = client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :reply)",
        ExpressionAttributeValues={":pk": {"S": f"TENANT#t1#CONTACT#{contact_id}"}, ":reply": {"S": "REPLY#"}},
    )
    return [from_item(item) for item in found["Items"]]


def test_a_reply_to_nothing_we_sent_is_acknowledged_and_left_alone(stack):
    replies = stack.cold_start("replies")
    assert replies.invoke(_reply(stack, "unsubscribe", "not-ours")) == {"batchItemFailures": []}


def test_a_reply_finds_its_contact_whatever_domain_follows_the_message_id(stack):
    # Given messages remembered as the provider reported their ids: SES's with a domain (as an emulator reports
    # them) and our own as an SMTP relay keeps them
    references = DynamoMessageReferences(client("dynamodb"), stack.refs["DataTable"])
    references.remember("0100abc-0001@email.amazonses.com", "t1", "c-ses")
    references.remember("<17958.1644@example.com>", "t1", "c-smtp")
    # When replies name them the way mail clients do (SES's region domain; our own id whole)
    # Then each finds its contact, and an unknown id finds none
    assert references.find(["<0100abc-0001@us-east-1.amazonses.com>"]) == ("t1", "c-ses")
    assert references.find(["<unknown@example.com>", "<17958.1644@example.com>"]) == ("t1", "c-smtp")
    assert references.find(["<unknown@example.com>"]) is None
