"""Sequence analytics in the single table, written as domain events arrive and read without a scan.

Items: `SEEN` markers (one per business key, TTL 35 days) under their own partitions; day counters under the
sequence (`DAY#<yyyy-mm-dd>` for its own, `DAY#<yyyy-mm-dd>#STEP#<id>` per step, read with one range Query);
attributed conversions on the step totals (`STATS#STEP#<id>`, beside what the enrollment's writes count); export
rows under `SEQLOG#<sequence>#<day>` (one partition per day, TTL 400 days); the contact's last click per sequence.
"""

import contextlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from emailseq.dal.enrollment_items import transact
from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.analytics import LastClick, Tally, days_between

_MARKER_DAYS = 35  # longer than a message can live in a queue and its DLQ (14 days each)
_ROW_DAYS = 400


class DynamoAnalyticsStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def count(self, tally: Tally) -> bool:
        writes: list[dict[str, Any]] = [self._marker(tally)]
        writes += [self._add(tally, _day_sk(tally.day, step), metric, step) for step, metric in tally.counters]
        writes += [self._add(tally, f"STATS#STEP#{step}", metric, step) for step, metric in tally.totals]
        writes.append(self._row(tally))
        return transact(self._db, writes)

    def note_click(self, tenant_id: str, contact_id: str, sequence_id: str, click: LastClick) -> None:
        item = {**_click_key(tenant_id, contact_id, sequence_id), "step_id": click.step_id, "at": iso(click.at)}
        # A newer click is kept already when the condition fails.
        with contextlib.suppress(self._db.exceptions.ConditionalCheckFailedException):
            self._db.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk) OR #at < :at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues=values({":at": iso(click.at)}),
            )

    def last_click(self, tenant_id: str, contact_id: str, sequence_id: str) -> LastClick | None:
        key = _click_key(tenant_id, contact_id, sequence_id)
        response = self._db.get_item(TableName=self._table, Key=to_item(key), ConsistentRead=True)
        if "Item" not in response:
            return None
        row = from_item(response["Item"])
        return LastClick(step_id=row["step_id"], at=parse_iso(row["at"]))

    def daily(
        self, tenant_id: str, sequence_id: str, first: date, last: date
    ) -> list[tuple[str, str | None, dict[str, int]]]:
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues=values(
                {
                    ":pk": tenant_key(tenant_id, "SEQ", sequence_id),
                    ":first": f"DAY#{first.isoformat()}",
                    ":last": f"DAY#{last.isoformat()}#~",  # '~' sorts after '#': the last day's step items too
                }
            ),
        )
        found = []
        for row in (from_item(item) for page in pages for item in page["Items"]):
            counts = {k: int(v) for k, v in row.items() if k not in ("pk", "sk", "day", "step_id", "sequence_id")}
            found.append((row["day"], row.get("step_id"), counts))
        return found

    def rows(self, tenant_id: str, sequence_id: str, first: date, last: date) -> Iterator[dict[str, Any]]:
        for day in days_between(first, last):
            pages = self._db.get_paginator("query").paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "SEQLOG", sequence_id, day)}),
            )
            for page in pages:
                for item in page["Items"]:
                    row = from_item(item)
                    shown = {name: row.get(name) for name in ("at", "event", "contact_id", "step_id")}
                    yield {**shown, **json.loads(row["detail"])}

    def _marker(self, tally: Tally) -> dict[str, Any]:
        item = {
            "pk": tenant_key(tally.tenant_id, "SEEN", tally.key),
            "sk": "SEEN",
            "expires_at": _expiry(tally.at, _MARKER_DAYS),
        }
        put = {"TableName": self._table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
        return {"Put": put}

    def _add(self, tally: Tally, sk: str, metric: str, step: str | None) -> dict[str, Any]:
        day = tally.day if sk.startswith("DAY#") else None
        fields = {"sequence_id": tally.sequence_id, "day": day, "step_id": step}
        given = {name: value for name, value in fields.items() if value is not None}
        assignments = ", ".join(f"#{name} = :{name}" for name in given)  # names: `day` is a reserved word
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"pk": tenant_key(tally.tenant_id, "SEQ", tally.sequence_id), "sk": sk}),
                "UpdateExpression": f"ADD #metric :one SET {assignments}",
                "ExpressionAttributeNames": {"#metric": metric, **{f"#{name}": name for name in given}},
                "ExpressionAttributeValues": values({":one": 1, **{f":{k}": v for k, v in given.items()}}),
            }
        }

    def _row(self, tally: Tally) -> dict[str, Any]:
        item = {
            "pk": tenant_key(tally.tenant_id, "SEQLOG", tally.sequence_id, tally.day),
            "sk": f"{iso(tally.at)}#{tally.key}",
            "at": iso(tally.at),
            "event": tally.event,
            "contact_id": tally.contact_id,
            "step_id": tally.step_id,
            "detail": json.dumps(tally.detail, sort_keys=True, default=str),
            "expires_at": _expiry(tally.at, _ROW_DAYS),
        }
        return {"Put": {"TableName": self._table, "Item": to_item(item)}}


def _day_sk(day: str, step: str | None) -> str:
    return f"DAY#{day}" if step is None else f"DAY#{day}#STEP#{step}"


def _click_key(tenant_id: str, contact_id: str, sequence_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"LASTCLICK#{sequence_id}"}


def _expiry(at: datetime, days: int) -> int:
    return int((at + timedelta(days=days)).timestamp())
