"""Privacy on the local stack: no plaintext address or name in any DynamoDB table; erase stops a running sequence."""

import json
import time

import httpx
from emailseq_cli.local.aws import local_client

from tests.support.local_stack import LocalStack, cli, outbox

# The second email follows an awaited event, so it is sent by the enroller → sender path as soon as the event comes
# (or by the scheduler a day later): the tests don't hang on the scheduler's first cold run after a deploy.
SEQUENCE = """
id: privacy-{u}
name: Privacy
trigger: {{event: joined.{u}}}
steps:
  - id: hello
    email: {{subject: "Hello {{{{ contact.first_name }}}}", html: "<p>Hi {{{{ contact.last_name }}}}</p>"}}
  - wait_until: {{event: seen.{u}, timeout: 1d}}
  - {{id: later, email: {{subject: "Later", html: "<p>2</p>"}}}}
"""


def _subjects(address: str, expected: int, seconds: float = 120) -> list[str]:
    """The outbox's subjects for `address`, once `expected` arrived or the time is up (a cold sender right after
    a deploy can overrun its timeout; its batch comes back after the queue's 40 s visibility timeout)."""
    deadline = time.monotonic() + seconds
    subjects = [m["subject"] for m in outbox(address)]
    while len(subjects) < expected and time.monotonic() < deadline:
        time.sleep(3)
        subjects = [m["subject"] for m in outbox(address)]
    return subjects


def _every_dynamodb_item(endpoint: str) -> str:
    db = local_client("dynamodb", endpoint)
    dumps = []
    for table in db.list_tables()["TableNames"]:
        for page in db.get_paginator("scan").paginate(TableName=table):
            dumps += [json.dumps(item, default=str) for item in page["Items"]]
    return "\n".join(dumps).lower()


def _enrollment_item(endpoint: str, contact_id: str, sequence_id: str) -> dict[str, str]:
    db = local_client("dynamodb", endpoint)
    (table,) = [name for name in db.list_tables()["TableNames"] if "DataTable" in name]
    key = {"pk": {"S": f"TENANT#demo#CONTACT#{contact_id}"}, "sk": {"S": f"ENROLLMENT#{sequence_id}"}}
    item = db.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return {name: next(iter(value.values())) for name, value in item.items()}


def _join(unique: str, address: str, first: str, last: str) -> None:
    attrs = ["--attr", f"first_name={first}", "--attr", f"last_name={last}"]
    cli("events", "send", f"joined.{unique}", "--email", address, *attrs)


def _contact_id(stack: LocalStack, address: str) -> httpx.Response:
    return stack.http("GET", "/v1/contacts", params={"email": address})


def test_a_scan_of_every_table_finds_no_plaintext_address_or_name(stack: LocalStack, unique, write_sequence):
    # Given a sequence, and a contact with a distinctive address and names who got both its emails
    cli("sequences", "apply", str(write_sequence("privacy", SEQUENCE.format(u=unique))))
    address, first, last = f"zq-private-{unique}@example.com", f"Firstzq{unique}", f"Lastzq{unique}"
    _join(unique, address, first, last)
    assert _subjects(address, 1) == [f"Hello {first}"]
    cli("events", "send", f"seen.{unique}", "--email", address)
    assert _subjects(address, 2) == [f"Hello {first}", "Later"]

    # When every item of every DynamoDB table in the emulator is dumped
    dump = _every_dynamodb_item(stack.endpoint)

    # Then neither the address (nor its local part) nor either name appears anywhere
    assert unique in dump  # the dump is real: the sequence id is there in plain
    assert [s for s in (address, f"zq-private-{unique}", first, last) if s.lower() in dump] == []
    # And the API still finds the contact by address, decrypted
    found = _contact_id(stack, address)
    assert found.status_code == 200
    assert (found.json()["email"], found.json()["first_name"], found.json()["last_name"]) == (address, first, last)


def test_erasing_a_contact_mid_sequence_stops_its_next_step_and_forgets_it(stack: LocalStack, unique, write_sequence):
    # Given two contacts welcomed by a sequence whose second email follows an event (or a day)
    cli("sequences", "apply", str(write_sequence("privacy", SEQUENCE.format(u=unique))))
    address, control = f"erase-me-{unique}@example.com", f"keep-me-{unique}@example.com"
    _join(unique, address, "Eve", "Erasable")
    _join(unique, control, "Kim", "Kept")
    assert _subjects(address, 1) == ["Hello Eve"]
    contact_id = _contact_id(stack, address).json()["id"]
    exported = json.loads(cli("privacy", "export", "--email", address).stdout)
    assert (exported["contact"]["contact_id"], exported["contact"]["email"]) == (contact_id, address)
    assert [e["status"] for e in exported["enrollments"]] == ["active"]
    assert len(exported["sends"]) == 1

    # When one is erased (the CLI's DELETE /v1/contacts/{id})
    assert cli("privacy", "erase", "--email", address, "--yes").stdout.strip() == f"contact {contact_id} erased"

    # Then it is gone from lookup and export
    assert _contact_id(stack, address).status_code == 404
    assert stack.http("GET", f"/v1/contacts/{contact_id}/export").status_code == 404
    # And its enrollment exited (reason erased), so it is never due again
    enrollment = _enrollment_item(stack.endpoint, contact_id, f"privacy-{unique}")
    assert (enrollment["status"], enrollment["exit_reason"]) == ("exited", "erased")
    # And when the next step falls due, the other contact gets it and the erased one does not
    cli("events", "send", f"seen.{unique}", "--email", control)
    cli("clock", "advance", "2d")
    assert _subjects(control, 2) == ["Hello Kim", "Later"]
    assert [m["subject"] for m in outbox(address)] == ["Hello Eve"]  # what SES accepted before; nothing since
