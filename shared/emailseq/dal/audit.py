"""The audit chain in the data table: entries, kept checkpoints and the signed head under the tenant's AUDIT
partition. Details are kept as the exact JSON text that was hashed, and times in full ISO form, so what is read
back hashes to what was written."""

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.audit.chain import AuditEntry, Checkpoint
from emailseq.dal.items import from_item, tenant_key, to_item, values

_LAST = "ENTRY#" + "9" * 12


class DynamoAuditStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def head(self, tenant_id: str) -> Checkpoint | None:
        key = {"pk": tenant_key(tenant_id, "AUDIT"), "sk": "HEAD"}
        found = self._db.get_item(TableName=self._table, Key=to_item(key), ConsistentRead=True)
        return _checkpoint(from_item(found["Item"])) if "Item" in found else None

    def append(self, entry: AuditEntry, head: Checkpoint, keep_checkpoint: bool) -> bool:
        pk = tenant_key(entry.tenant_id, "AUDIT")
        first = entry.seq == 1
        writes: list[dict[str, Any]] = [
            _put(
                self._table,
                {"pk": pk, "sk": f"ENTRY#{entry.seq:012d}", **_entry_fields(entry)},
                "attribute_not_exists(pk)",
            ),
            _put(
                self._table,
                {"pk": pk, "sk": "HEAD", **_checkpoint_fields(head)},
                "attribute_not_exists(pk)" if first else "seq = :previous",
                None if first else values({":previous": entry.seq - 1}),
            ),
        ]
        if keep_checkpoint:
            writes.append(
                _put(self._table, {"pk": pk, "sk": f"CHECKPOINT#{head.seq:012d}", **_checkpoint_fields(head)})
            )
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                return False  # another writer moved the head first
            raise
        return True

    def entries(self, tenant_id: str, after_seq: int, limit: int) -> list[AuditEntry]:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues=values(
                {":pk": tenant_key(tenant_id, "AUDIT"), ":from": f"ENTRY#{after_seq + 1:012d}", ":to": _LAST}
            ),
            Limit=limit,
            ConsistentRead=True,
        )
        return [_entry(from_item(item)) for item in response["Items"]]

    def checkpoints(self, tenant_id: str) -> list[Checkpoint]:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :checkpoint)",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "AUDIT"), ":checkpoint": "CHECKPOINT#"}),
            ConsistentRead=True,
        )
        kept = [_checkpoint(from_item(item)) for item in response["Items"]]
        head = self.head(tenant_id)
        return kept + ([head] if head and all(c.seq != head.seq for c in kept) else [])


def _put(
    table: str, item: dict[str, Any], condition: str | None = None, given: dict[str, Any] | None = None
) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
    if condition:
        put["ConditionExpression"] = condition
    if given:
        put["ExpressionAttributeValues"] = given
    return {"Put": put}


def _entry_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "tenant_id": entry.tenant_id,
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": json.dumps(entry.details, sort_keys=True, default=str),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        tenant_id=row["tenant_id"],
        seq=int(row["seq"]),
        at=datetime.fromisoformat(row["at"]),
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        details=json.loads(row["details"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def _checkpoint_fields(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "tenant_id": checkpoint.tenant_id,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "signatures": checkpoint.signatures,
    }


def _checkpoint(row: dict[str, Any]) -> Checkpoint:
    return Checkpoint(row["tenant_id"], int(row["seq"]), row["hash"], dict(row["signatures"]))
