"""The walking skeleton, from a shell: apply, send an event, read the outbox, travel in time."""

import json

from tests.support.local_stack import LocalStack, cli, outbox

SEQUENCE = """
id: welcome-{u}
name: Welcome {u}
trigger: {{event: signed_up.{u}}}
steps:
  - id: welcome
    email:
      subject: "Welcome, {{{{ contact.first_name | default('there') }}}}"
      html: "<p>Hi {{{{ contact.first_name }}}}!</p><p><a href='https://example.com/start'>Start</a></p>"
  - wait: 2d
  - id: second
    email: {{subject: "Two days in", html: "<p>How is it going?</p>"}}
"""

OTHER = """
id: other-{u}
name: Other {u}
trigger: {{event: ordered.{u}}}
steps:
  - id: thanks
    email: {{subject: "Thanks for your order", html: "<p>Thanks</p>"}}
"""


def test_a_contact_gets_the_welcome_now_and_the_second_email_two_days_later(stack: LocalStack, unique, write_sequence):
    # Given a welcome sequence and a second sequence with another trigger
    address = f"ada-{unique}@example.com"
    cli("sequences", "apply", str(write_sequence("welcome", SEQUENCE.format(u=unique))))
    cli("sequences", "apply", str(write_sequence("other", OTHER.format(u=unique))))

    # When the trigger event arrives for a new address
    sent = cli(
        "events", "send", f"signed_up.{unique}", "--email", address, "--attr", "first_name=Ada", "--id", f"evt-{unique}"
    )

    # Then the welcome email, and only it, is in the outbox
    assert "accepted" in sent.stdout
    first = outbox(address)
    assert [m["subject"] for m in first] == ["Welcome, Ada"]
    assert "Hi Ada!" in first[0]["html"]
    assert "/t/c/" in first[0]["text"]  # the text part's link is a signed click redirect too

    # When the clock moves two days on, the second email has gone out too
    cli("clock", "advance", "2d")
    assert [m["subject"] for m in outbox(address)] == ["Welcome, Ada", "Two days in"]

    # When the same event id is sent again, nothing is added
    again = cli("events", "send", f"signed_up.{unique}", "--email", address, "--id", f"evt-{unique}")
    assert "duplicate" in again.stdout
    cli("clock", "advance", "1h")
    assert len(outbox(address)) == 2

    # And the sequence with another trigger was not affected
    other = json.loads(cli("report", f"other-{unique}", "--json").stdout)
    assert other["enrolled"] == 0
    assert other["steps"][0]["sent"] == 0
    welcome = json.loads(cli("report", f"welcome-{unique}", "--json").stdout)
    assert welcome["enrolled"] == 1
    assert welcome["completed"] == 1
    assert [step["sent"] for step in welcome["steps"]] == [1, 1]


def test_applying_the_same_document_twice_is_a_no_op_and_a_change_is_a_new_version(
    stack: LocalStack, unique, write_sequence
):
    path = write_sequence("versioned", OTHER.format(u=unique))
    assert "version 1 (new version)" in cli("sequences", "apply", str(path)).stdout
    assert "version 1 (unchanged)" in cli("sequences", "apply", str(path)).stdout
    path.write_text(OTHER.format(u=unique).replace("Thanks for your order", "Thank you"))
    assert "version 2 (new version)" in cli("sequences", "apply", str(path)).stdout
