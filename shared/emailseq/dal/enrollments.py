"""Enrollments: one item per (contact, sequence) under the contact's partition, indexed by due time."""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.due_index import due_keys, index_attributes
from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus

_END_COUNTERS = {
    EnrollmentStatus.COMPLETED: "completed",
    EnrollmentStatus.CONVERTED: "converted",
    EnrollmentStatus.EXITED: "exited",
}


class DynamoEnrollmentStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, enrollment: Enrollment) -> bool:
        return self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(_item(enrollment)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                _count(self._table, enrollment, "STATS", "enrolled"),
            ]
        )

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        response = self._db.get_item(
            TableName=self._table, Key=to_item(_key(tenant_id, contact_id, sequence_id)), ConsistentRead=True
        )
        return _enrollment(from_item(response["Item"])) if "Item" in response else None

    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]:
        response = self._db.query(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=values(
                {":pk": tenant_key(tenant_id, "CONTACT", contact_id), ":prefix": "ENROLLMENT#"}
            ),
        )
        return [_enrollment(from_item(item)) for item in response["Items"]]

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        writes = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(_item(after)),
                    "ConditionExpression": "#status = :active AND #cursor = :cursor AND generation = :generation",
                    "ExpressionAttributeNames": {"#status": "status", "#cursor": "cursor"},
                    "ExpressionAttributeValues": values(
                        {
                            ":active": before.status.value,
                            ":cursor": before.cursor,
                            ":generation": before.generation,
                        }
                    ),
                }
            }
        ]
        if sent_step is not None:
            writes.append(_count(self._table, after, f"STATS#STEP#{sent_step}", "sent", step_id=sent_step))
        if after.status in _END_COUNTERS and after.status is not before.status:
            writes.append(_count(self._table, after, "STATS", _END_COUNTERS[after.status]))
        return self._transact(writes)

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        keys = due_keys(self._db, self._table, now, limit)
        if not keys:
            return []
        found: list[Enrollment] = []
        for start in range(0, len(keys), 100):
            response = self._db.batch_get_item(
                RequestItems={
                    self._table: {
                        "Keys": [to_item(key) for key in keys[start : start + 100]],
                        "ConsistentRead": True,
                    }
                }
            )
            rows = [from_item(item) for item in response["Responses"].get(self._table, [])]
            found += [_enrollment(row) for row in rows if row["status"] == EnrollmentStatus.ACTIVE.value]
        return [e for e in found if e.due_at is not None and e.due_at <= now]

    def lease(self, enrollment: Enrollment, until: datetime) -> bool:
        if enrollment.due_at is None:
            return False
        key = _key(enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)
        index = index_attributes(key["pk"], key["sk"], until)
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(key),
                UpdateExpression="SET due_at = :until, due_pk = :due_pk, due_sk = :due_sk",
                ConditionExpression="#status = :active AND #cursor = :cursor AND due_at = :seen",
                ExpressionAttributeNames={"#status": "status", "#cursor": "cursor"},
                ExpressionAttributeValues=values(
                    {
                        ":until": iso(until),
                        ":due_pk": index["due_pk"],
                        ":due_sk": index["due_sk"],
                        ":active": EnrollmentStatus.ACTIVE.value,
                        ":cursor": enrollment.cursor,
                        ":seen": iso(enrollment.due_at),
                    }
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _transact(self, writes: list[dict[str, Any]]) -> bool:
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons:
                    return False
            raise
        return True


def _key(tenant_id: str, contact_id: str, sequence_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"ENROLLMENT#{sequence_id}"}


def _item(enrollment: Enrollment) -> dict[str, Any]:
    key = _key(enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)
    indexed = index_attributes(key["pk"], key["sk"], enrollment.due_at) if enrollment.due_at else {}
    return {
        **key,
        **indexed,
        "tenant_id": enrollment.tenant_id,
        "contact_id": enrollment.contact_id,
        "sequence_id": enrollment.sequence_id,
        "version": enrollment.version,
        "generation": enrollment.generation,
        "cursor": enrollment.cursor,
        "status": enrollment.status.value,
        "due_at": iso(enrollment.due_at) if enrollment.due_at else None,
        "enrolled_at": iso(enrollment.enrolled_at),
        "goal_event": enrollment.goal_event,
    }


def _enrollment(row: dict[str, Any]) -> Enrollment:
    return Enrollment(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        sequence_id=row["sequence_id"],
        version=row["version"],
        generation=row["generation"],
        cursor=row["cursor"],
        status=EnrollmentStatus(row["status"]),
        due_at=parse_iso(row["due_at"]) if row.get("due_at") else None,
        enrolled_at=parse_iso(row["enrolled_at"]),
        goal_event=row.get("goal_event"),
    )


def _count(table: str, enrollment: Enrollment, sk: str, counter: str, **extra: str) -> dict[str, Any]:
    assignments = "".join(f", {name} = :{name}" for name in extra)
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": tenant_key(enrollment.tenant_id, "SEQ", enrollment.sequence_id), "sk": sk}),
            "UpdateExpression": f"ADD #counter :one SET sequence_id = :sequence{assignments}",
            "ExpressionAttributeNames": {"#counter": counter},
            "ExpressionAttributeValues": values(
                {
                    ":one": 1,
                    ":sequence": enrollment.sequence_id,
                    **{f":{name}": value for name, value in extra.items()},
                }
            ),
        }
    }
