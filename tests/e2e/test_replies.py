"""Replies on the local stack: a contact answers the welcome with "please remove me from this list"; the raw MIME
lands in the data bucket under inbound/ (what SES receiving does), S3 tells the inbound queue, the deployed
replies function (MiniLM on onnxruntime, in its own layer) reads it and suppresses the contact."""

import json
import uuid
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from tests.support.local_stack import ROOT, cli, outbox, poll

pytestmark = pytest.mark.e2e


def _reply(endpoint: str, sender: str, message_id: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "sequences@example.com", "Re: Welcome"
    # What a mail client sends back: SES's id at SES's domain (the emulator's ids already carry that domain).
    message["In-Reply-To"] = f"<{message_id.split('@', 1)[0]}@email.amazonses.com>"
    message.set_content(f"{text}\n\nOn Mon, Acme wrote:\n> Welcome!\n")
    bucket = json.loads((ROOT / ".emailseq" / "stack.json").read_text())["bucket"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                      aws_secret_access_key="test")  # fmt: skip
    s3.put_object(Bucket=bucket, Key=f"inbound/{uuid.uuid4().hex}", Body=message.as_bytes())


def test_please_remove_me_suppresses_the_contact(stack, unique, write_sequence):
    # Given a contact welcomed by a sequence
    path = write_sequence("replies", f"""
id: replies-{unique}
name: Replies
trigger: {{event: replies.{unique}}}
steps:
  - id: welcome
    email: {{subject: "Welcome", html: "<p>Hi!</p>"}}
""")  # fmt: skip
    cli("sequences", "apply", str(path))
    address = f"ada-{unique}@example.com"
    cli("events", "send", f"replies.{unique}", "--email", address)
    (welcome,) = poll(lambda: outbox(address))
    # When she replies "please remove me from this list" (SES receiving stores it under inbound/)
    _reply(stack.endpoint, address, welcome["message_id"], "Please remove me from this list.")

    # Then the replies function suppresses her, and says it was her reply
    def suppressed() -> dict[str, Any] | None:
        exported = json.loads(cli("privacy", "export", "--email", address).stdout)
        return exported if json.dumps(exported).count('"reply"') else None

    exported = poll(suppressed, timeout=90)
    assert exported, "the contact was not suppressed by her reply"
    assert "unsubscribed_at" in json.dumps(exported)
