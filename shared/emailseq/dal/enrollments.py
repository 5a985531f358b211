"""Enrollments: one item per (contact, sequence) under the contact's partition, indexed by when it is due.

State changes are conditional updates on (status, cursor, generation), so a stale writer loses; the facts sets
(opened, clicked, events) are only ever added to, by other writers, and never overwritten by state changes.
"""

from datetime import datetime
from typing import Any

from emailseq.dal.due_index import due_keys, index_attributes
from emailseq.dal.enrollment_items import KEY, counter, enrollment, key, state, transact
from emailseq.dal.items import from_item, iso, tenant_key, to_item, values
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus

_AT_CURSOR = "#s = :active AND #c = :cursor AND generation = :generation"
_FACT_COUNTERS = {
    "opened": "opened",
    "clicked": "clicked",
    "unsubscribed": "unsubscribed",
    "machine_opened": "machine_opened",
}


class DynamoEnrollmentStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(
        self, fresh: Enrollment, replacing: Enrollment | None = None, leased_until: datetime | None = None
    ) -> bool:
        item = {**key(fresh), **state(fresh), **_identity(fresh)}
        if leased_until is not None:  # as lease() leaves it: the index entry at the lease's end, due_at kept
            item |= {"leased_until": iso(leased_until), **index_attributes(item["pk"], item["sk"], leased_until)}
        put: dict[str, Any] = {"TableName": self._table, "Item": to_item(item)}
        if replacing is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "generation = :generation AND #status <> :active"
            put["ExpressionAttributeNames"] = {"#status": "status"}
            put["ExpressionAttributeValues"] = values({":generation": replacing.generation, ":active": "active"})
        return transact(self._db, [{"Put": put}, counter(self._table, fresh, "STATS", "enrolled")])

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        response = self._db.get_item(
            TableName=self._table, Key=to_item(KEY(tenant_id, contact_id, sequence_id)), ConsistentRead=True
        )
        return enrollment(from_item(response["Item"])) if "Item" in response else None

    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]:
        response = self._db.query(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=values(
                {":pk": tenant_key(tenant_id, "CONTACT", contact_id), ":prefix": "ENROLLMENT#"}
            ),
        )
        return [enrollment(from_item(item)) for item in response["Items"]]

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        fields = state(after)
        # Going to sleep for an event that has meanwhile been recorded would never wake: the write is refused.
        awaited = " AND NOT contains(facts_events, :awaited)" if after.waiting_for else ""
        removed = [
            name
            for name in ("due_at", "due_pk", "due_sk", "waiting_for", "ended_at", "step_started_at", "exit_reason")
            if name not in fields
        ] + ["leased_until"]
        names = {f"#{i}": name for i, name in enumerate(fields)}
        update = "SET " + ", ".join(f"#{i} = :{i}" for i in range(len(fields))) + " REMOVE " + ", ".join(removed)
        given = {f":{i}": value for i, value in enumerate(fields.values())}
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(key(before)),
                    "UpdateExpression": update,
                    "ConditionExpression": "#s = :was AND #c = :cursor AND generation = :generation" + awaited,
                    "ExpressionAttributeNames": {**names, "#s": "status", "#c": "cursor"},
                    "ExpressionAttributeValues": values(
                        {
                            **given,
                            ":was": before.status.value,
                            ":cursor": before.cursor,
                            ":generation": before.generation,
                            **({":awaited": after.waiting_for} if after.waiting_for else {}),
                        }
                    ),
                }
            }
        ]
        if sent_step is not None:
            writes.append(counter(self._table, after, f"STATS#STEP#{sent_step}", "sent", step_id=sent_step))
        if after.status is not before.status and after.status is not EnrollmentStatus.ACTIVE:
            writes.append(counter(self._table, after, "STATS", after.status.value))
        return transact(self._db, writes)

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        keys = due_keys(self._db, self._table, now, limit)
        found: list[Enrollment] = []
        for start in range(0, len(keys), 100):
            response = self._db.batch_get_item(
                RequestItems={
                    self._table: {"Keys": [to_item(k) for k in keys[start : start + 100]], "ConsistentRead": True}
                }
            )
            found += [enrollment(from_item(item)) for item in response["Responses"].get(self._table, [])]
        return [e for e in found if e.is_active and e.due_at is not None and e.due_at <= now]

    def lease(self, leased: Enrollment, now: datetime, until: datetime) -> bool:
        # The index entry moves to `until`; due_at stays, so the worker can still tell a due order from an early one.
        index = index_attributes(key(leased)["pk"], key(leased)["sk"], until)
        return self._update(
            leased,
            "SET leased_until = :until, due_pk = :due_pk, due_sk = :due_sk",
            "attribute_not_exists(leased_until) OR leased_until <= :now",
            {":until": iso(until), ":now": iso(now), **{f":{k}": v for k, v in index.items()}},
        )

    def wake(self, sleeping: Enrollment, at: datetime) -> bool:
        index = index_attributes(key(sleeping)["pk"], key(sleeping)["sk"], at)
        return self._update(
            sleeping,
            "SET due_at = :at, due_pk = :due_pk, due_sk = :due_sk REMOVE leased_until",
            "waiting_for = :waiting",
            {":at": iso(at), ":waiting": sleeping.waiting_for, **{f":{k}": v for k, v in index.items()}},
        )

    def record_fact(self, seen: Enrollment, fact: str, value: str) -> bool:
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(key(seen)),
                    "UpdateExpression": f"ADD facts_{fact} :value",
                    "ConditionExpression": f"generation = :generation AND NOT contains(facts_{fact}, :one)",
                    "ExpressionAttributeValues": {
                        **values({":generation": seen.generation, ":one": value}),
                        ":value": {"SS": [value]},
                    },
                }
            }
        ]
        if fact in _FACT_COUNTERS:
            writes.append(counter(self._table, seen, f"STATS#STEP#{value}", _FACT_COUNTERS[fact], step_id=value))
        return transact(self._db, writes)

    def _update(self, target: Enrollment, update: str, condition: str, given: dict[str, Any]) -> bool:
        return transact(
            self._db,
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(key(target)),
                        "UpdateExpression": update,
                        "ConditionExpression": f"{_AT_CURSOR} AND ({condition})",
                        "ExpressionAttributeNames": {"#s": "status", "#c": "cursor"},
                        "ExpressionAttributeValues": values(
                            {**given, ":active": "active", ":cursor": target.cursor, ":generation": target.generation}
                        ),
                    }
                }
            ],
        )


def _identity(fresh: Enrollment) -> dict[str, Any]:
    return {
        "tenant_id": fresh.tenant_id,
        "contact_id": fresh.contact_id,
        "sequence_id": fresh.sequence_id,
        "enrolled_at": iso(fresh.enrolled_at),
        "goal_event": fresh.goal_event,
        "watch_events": list(fresh.watch_events) or None,
    }
