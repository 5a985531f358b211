"""Sequence policies on the local stack: pause / resume / archive, manual enroll and unenroll."""

from tests.support.local_stack import LocalStack, cli, outbox

SEQUENCE = """
id: policy-{u}
name: Policy
trigger: {{event: start.{u}}}
steps:
  - {{id: one, email: {{subject: "One", html: "<p>1</p>"}}}}
  - wait: 1d
  - {{id: two, email: {{subject: "Two", html: "<p>2</p>"}}}}
"""


def _subjects(address: str) -> list[str]:
    return [m["subject"] for m in outbox(address)]


def test_a_paused_sequence_holds_its_contacts_and_enrolls_nobody_until_resumed(
    stack: LocalStack, unique, write_sequence
):
    cli("sequences", "apply", str(write_sequence("policy", SEQUENCE.format(u=unique))))
    running, late = f"running-{unique}@example.com", f"late-{unique}@example.com"
    cli("events", "send", f"start.{unique}", "--email", running)
    assert _subjects(running) == ["One"]
    # When the sequence is paused, the running contact holds and a new trigger enrolls nobody
    assert "paused" in cli("sequences", "pause", f"policy-{unique}").stdout
    cli("events", "send", f"start.{unique}", "--email", late)
    cli("clock", "advance", "2d")
    assert _subjects(running) == ["One"]
    assert _subjects(late) == []
    # When it is resumed, the held contact goes on (its lease runs out within 15 minutes)
    assert "active" in cli("sequences", "resume", f"policy-{unique}").stdout
    cli("clock", "advance", "16m")
    assert _subjects(running) == ["One", "Two"]


def test_a_contact_can_be_enrolled_and_unenrolled_by_hand(stack: LocalStack, unique, write_sequence):
    cli("sequences", "apply", str(write_sequence("policy", SEQUENCE.format(u=unique))))
    address = f"manual-{unique}@example.com"
    assert "enrolled" in cli("sequences", "enroll", f"policy-{unique}", "--email", address).stdout
    assert _subjects(address) == ["One"]
    again = cli("sequences", "enroll", f"policy-{unique}", "--email", address, check=False)
    assert again.returncode != 0
    assert "409" in again.stderr
    cli("sequences", "unenroll", f"policy-{unique}", "--email", address)
    cli("clock", "advance", "2d")
    assert _subjects(address) == ["One"]


def test_dead_letter_queues_can_be_listed(stack: LocalStack):
    listed = cli("dlq", "list")
    assert "message(s) in dead-letter queues" in listed.stdout
