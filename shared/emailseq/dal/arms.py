"""Subject-line bandit bookkeeping: per (sequence, step) one counter item and one assignment item per send.

The assignment is written once (conditional put) together with the arm's send count, in one transaction: a
retried send finds the arm it was given first and counts nothing again. A reward marks the assignment (once per
kind, conditionally) and counts the arm's success in the same transaction. Assignments expire after 180 days.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, tenant_key, to_item, values
from emailseq.domain.ai.bandit import ArmStats

_COUNTS = "#COUNTS"
_KEEP = timedelta(days=180)
_LETTER = {"sends": "s", "opens": "o", "clicks": "c"}


class DynamoArmStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def assign(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, arm: int) -> int:
        pk = _pk(tenant_id, sequence_id, step_id)
        expires = int((datetime.now(UTC) + _KEEP).timestamp())
        put = {
            "TableName": self._table,
            "Item": to_item({"pk": pk, "sk": send_key, "arm": arm, "expires_at": expires}),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if self._transact([{"Put": put}, {"Update": self._count(pk, "sends", arm)}]):
            return arm
        kept = self._assignment(pk, send_key)
        return int(kept["arm"]) if kept else arm

    def reward(self, tenant_id: str, sequence_id: str, step_id: str, send_key: str, kind: str) -> bool:
        pk = _pk(tenant_id, sequence_id, step_id)
        kept = self._assignment(pk, send_key)
        if kept is None or kept.get(f"rewarded_{kind}"):
            return False
        mark = {
            "TableName": self._table,
            "Key": to_item({"pk": pk, "sk": send_key}),
            "UpdateExpression": f"SET rewarded_{kind} = :yes",
            "ConditionExpression": f"attribute_exists(pk) AND attribute_not_exists(rewarded_{kind})",
            "ExpressionAttributeValues": values({":yes": True}),
        }
        return self._transact([{"Update": mark}, {"Update": self._count(pk, kind, int(kept["arm"]))}])

    def stats(self, tenant_id: str, sequence_id: str, step_id: str, arms: int) -> dict[str, list[ArmStats]]:
        row = self._assignment(_pk(tenant_id, sequence_id, step_id), _COUNTS) or {}
        sends = [int(row.get(f"s{i}", 0)) for i in range(arms)]
        return {
            kind: [ArmStats(sends[i], int(row.get(f"{_LETTER[kind]}{i}", 0))) for i in range(arms)]
            for kind in ("opens", "clicks")
        }

    def _count(self, pk: str, kind: str, arm: int) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": to_item({"pk": pk, "sk": _COUNTS}),
            "UpdateExpression": f"ADD {_LETTER[kind]}{arm} :one",
            "ExpressionAttributeValues": values({":one": 1}),
        }

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                return False  # the condition failed: assigned or rewarded before
            raise
        return True

    def _assignment(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self._db.get_item(TableName=self._table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return from_item(answer["Item"]) if "Item" in answer else None


def _pk(tenant_id: str, sequence_id: str, step_id: str) -> str:
    return tenant_key(tenant_id, "ARMS", sequence_id, step_id)
