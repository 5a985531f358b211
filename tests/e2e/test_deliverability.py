"""The preview's deliverability check on the local stack: `local up` runs `spamd -L` and the apiSequences function
scores the message through it (issue 4)."""

import json
import time

import pytest
from emailseq_cli.local import spamd

from tests.support.local_stack import LocalStack, cli

SEQUENCE = """
id: spam-{u}
name: Deliverability
trigger: {{event: spam.{u}}}
steps:
  - id: hello
    email:
      subject: "Welcome, {{{{ contact.first_name }}}}"
      html: "<p>Hi {{{{ contact.first_name }}}}, glad you are here. <a href='https://example.com/start'>Start</a></p>"
  - id: loud
    email:
      subject: "FREE MONEY!!! ACT NOW"
      html: "<p>100% FREE!!! Viagra cheap. CLICK HERE to claim your PRIZE! Limited time!</p>"
"""


def _wait_for_contact(stack: LocalStack, address: str, seconds: float = 90) -> None:
    """Events are processed asynchronously (EventBridge → SQS → enroller): wait until the contact exists."""
    deadline = time.monotonic() + seconds
    while stack.http("GET", "/v1/contacts", params={"email": address}).status_code != 200:
        assert time.monotonic() < deadline, f"{address} was not created within {seconds:.0f}s"
        time.sleep(1)


pytestmark = pytest.mark.skipif(spamd.binary() is None, reason="SpamAssassin is not installed (make setup as root)")


def test_the_preview_of_a_real_sequence_carries_a_spam_score_and_rules(stack: LocalStack, unique, write_sequence):
    # Given a sequence and a contact on the local stack
    cli("sequences", "apply", str(write_sequence("spam", SEQUENCE.format(u=unique))))
    address = f"spam-{unique}@example.com"
    cli("events", "send", f"other.{unique}", "--email", address, "--attr", "first_name=Ada")
    _wait_for_contact(stack, address)
    # When its friendly step is previewed for the contact, as JSON
    shown = json.loads(cli("preview", f"spam-{unique}", "hello", "--contact", address, "--json").stdout)
    # Then the preview carries SpamAssassin's numeric score, its threshold and the rules with their points
    checked = shown["deliverability"]
    assert checked["available"] is True, checked
    assert isinstance(checked["score"], float)
    assert checked["score"] < checked["threshold"] == 5.0
    assert checked["is_spam"] is False
    assert checked["rules"]
    assert all(isinstance(rule["score"], float) for rule in checked["rules"])
    assert all(rule["name"] and rule["description"] for rule in checked["rules"])


def test_a_spammy_step_is_flagged_in_the_human_output(stack: LocalStack, unique, write_sequence):
    cli("sequences", "apply", str(write_sequence("spam", SEQUENCE.format(u=unique))))
    shown = cli("preview", f"spam-{unique}", "loud").stdout
    assert "Deliverability: SpamAssassin score" in shown
    assert "DRUGS_ERECTILE" in shown


def test_the_check_can_be_skipped(stack: LocalStack, unique, write_sequence):
    cli("sequences", "apply", str(write_sequence("spam", SEQUENCE.format(u=unique))))
    shown = json.loads(cli("preview", f"spam-{unique}", "hello", "--no-check", "--json").stdout)
    assert shown["deliverability"]["available"] is False
    assert shown["deliverability"]["reason"] == "not requested (check=false)"
