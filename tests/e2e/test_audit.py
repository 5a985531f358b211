"""The audit log on the local stack, verified from the command line: `emailseq audit verify` recomputes the chain
and its signed checkpoints, and names the entry someone altered in the emulator's table."""

import json
import uuid
from typing import Any

import boto3

from tests.support.local_stack import cli

SEQUENCE = "examples/demo-sequence.yaml"


def _dynamodb(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _audit_item(endpoint: str, tenant: str, seq: int) -> tuple[str, dict[str, dict[str, str]]]:
    """(table, key) of one entry, found the way an intruder with table access would: by listing tables."""
    dynamodb = _dynamodb(endpoint)
    key = {"pk": {"S": f"TENANT#{tenant}#AUDIT"}, "sk": {"S": f"ENTRY#{seq:012d}"}}
    for table in dynamodb.list_tables()["TableNames"]:
        if "Item" in dynamodb.get_item(TableName=table, Key=key):
            return table, key
    raise AssertionError(f"no audit entry {seq} for {tenant}")


def test_audit_verify_passes_then_names_the_altered_entry(stack):
    # Given a tenant of its own that applied a sequence, then paused and resumed it
    tenant = f"audit-{uuid.uuid4().hex[:8]}"
    owner = (stack.api_url, cli("tokens", "create", "--tenant", tenant).stdout.strip())
    cli("sequences", "apply", SEQUENCE, as_tenant=owner)
    document_id = "demo-welcome"
    cli("sequences", "pause", document_id, as_tenant=owner)
    cli("sequences", "resume", document_id, as_tenant=owner)

    # When the owner verifies the log
    verdict = json.loads(cli("audit", "verify", "--json", as_tenant=owner).stdout)

    # Then the three changes are there, the chain intact, the signed head verified
    assert verdict == {"intact": True, "entries": 3, "checkpoints": 1, "problem": None, "first_bad_seq": None}

    # When someone with write access to the table rewrites the pause as a resume
    table, key = _audit_item(stack.endpoint, tenant, 2)
    _dynamodb(stack.endpoint).update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET details = :d",
        ExpressionAttributeValues={":d": {"S": '{"status": "active"}'}},
    )

    # Then verification fails, names entry 2, and exits non-zero
    tampered = cli("audit", "verify", as_tenant=owner, check=False)
    assert tampered.returncode == 1
    assert "entry 2 was altered" in tampered.stdout
