"""The audit log through the real API function: changes to sequences, their status and the tenant's settings are
chained and signed; the chain served by the API verifies, and an entry altered in the table is named."""

from datetime import datetime

import pytest
from emailseq.audit.chain import AuditEntry, Checkpoint, verify
from emailseq.audit.signing import CheckpointVerifier
from emailseq.dal.aws import client

VIEWER = {"tenant": "t1", "role": "viewer", "sub": "dev:viewer"}


def _get(stack, path, caller=None):
    event = stack.http_event("GET", path, route_key=f"GET {path}", **({"caller": caller} if caller else {}))
    return stack.call_api("apiSequences", event)


def _chain(stack):
    page = _get(stack, "/v1/audit")
    assert page.status == 200, page
    served = _get(stack, "/v1/audit/checkpoints").body
    entries = [AuditEntry(**{**row, "at": datetime.fromisoformat(row["at"])}) for row in page.body["entries"]]
    checkpoints = [Checkpoint(**row) for row in served["checkpoints"]]
    return entries, checkpoints, CheckpointVerifier(served["public_keys"])


@pytest.fixture
def changed(stack, welcome_sequence):
    """The welcome sequence applied, applied again unchanged, changed, paused; the settings changed."""
    assert stack.put_sequence(welcome_sequence).status == 200
    assert stack.put_sequence(welcome_sequence).status == 200  # unchanged: no entry
    welcome_sequence["name"] = "Welcome journey v2"
    assert stack.put_sequence(welcome_sequence).status == 200
    pause = stack.http_event(
        "POST",
        "/v1/sequences/welcome/pause",
        route_key="POST /v1/sequences/{sequence_id}/pause",
        path_parameters={"sequence_id": "welcome"},
    )
    assert stack.call_api("apiSequences", pause).status == 200
    settings = stack.http_event("PUT", "/v1/settings", route_key="PUT /v1/settings", body={"max_emails_per_day": 2})
    assert stack.call_api("apiSequences", settings).status == 200


def test_each_change_is_an_entry_of_a_chain_that_verifies(stack, changed):
    # When the owner reads the log and its checkpoints
    entries, checkpoints, verifier = _chain(stack)

    # Then there is one entry per change, in order, naming who did what to which object
    assert [(e.seq, e.action, e.subject) for e in entries] == [
        (1, "sequence.applied", "welcome"),
        (2, "sequence.applied", "welcome"),
        (3, "sequence.status_set", "welcome"),
        (4, "settings.changed", "settings"),
    ]
    assert {e.actor for e in entries} == {"dev:x"}
    assert entries[1].details["version"] == 2
    # And the chain recomputed here is intact, up to its signed head
    verdict = verify(entries, checkpoints, verifier)
    assert (verdict.intact, verdict.entries, verdict.checkpoints) == (True, 4, 1)


def test_an_entry_altered_in_the_table_is_named(stack, changed):
    # Given someone with write access to the table changes entry 3's details afterwards
    client("dynamodb").update_item(
        TableName=stack.refs["DataTable"],
        Key={"pk": {"S": "TENANT#t1#AUDIT"}, "sk": {"S": "ENTRY#000000000003"}},
        UpdateExpression="SET details = :d",
        ExpressionAttributeValues={":d": {"S": '{"status": "active"}'}},
    )

    # Then verification names entry 3
    entries, checkpoints, verifier = _chain(stack)
    verdict = verify(entries, checkpoints, verifier)
    assert not verdict.intact
    assert verdict.first_bad_seq == 3


def test_only_owners_read_the_log(stack, changed):
    assert _get(stack, "/v1/audit", caller=VIEWER).status == 403
    assert _get(stack, "/v1/audit/checkpoints", caller=VIEWER).status == 403
