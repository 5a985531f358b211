"""Engagement histories: one compact item per contact and one pooled item per group, updated with atomic ADDs.

Item `ENGAGEMENT / <contact_id>` holds `sends`, `opens`, `clicks`, `h<hour>` (first opens in that local hour of
week) and the last send/open/click moments; `ENGAGEMENT / #<group>` pools sends and hours over the tenant
(`#tenant`) or a list (`#list:<id>`). The first send a tenant ever records also registers the tenant for the
trainer (`ENGAGEMENT#TENANTS`). Callers count each send and first open once (see logic.engagement).
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.ai.score import EngagementProfile
from emailseq.domain.ai.send_time import OpenHistogram
from emailseq.domain.ports import ContactEngagement

REGISTRY = "ENGAGEMENT#TENANTS"


class DynamoEngagementStore:
    def __init__(self, dynamodb: Any, table: str, held_to_flush: bool = False) -> None:
        """`held_to_flush`: the pooled send counts of a batch wait for `flush()`, one ADD per group for the batch
        instead of one per email (dal.deferred); the contact's own history is still written at once."""
        self._db = dynamodb
        self._table = table
        self._held: Counter[tuple[str, str]] | None = Counter() if held_to_flush else None

    def record_send(self, tenant_id: str, contact_id: str, at: datetime, groups: list[str]) -> None:
        self._add(tenant_id, contact_id, "ADD sends :n SET last_sent_at = :at", at)
        for group in groups:
            if self._held is None:
                self._add_pooled_sends(tenant_id, group, 1)
            else:
                self._held[(tenant_id, group)] += 1

    def flush(self) -> None:
        held, self._held = self._held, Counter() if self._held is not None else None
        for (tenant_id, group), sends in (held or {}).items():
            self._add_pooled_sends(tenant_id, group, sends)

    def _add_pooled_sends(self, tenant_id: str, group: str, sends: int) -> None:
        old = self._add(tenant_id, f"#{group}", "ADD sends :n", None, returns="UPDATED_OLD", n=sends)
        if group == "tenant" and "sends" not in old:
            self._db.put_item(TableName=self._table, Item=to_item({"pk": REGISTRY, "sk": tenant_id}))

    def record_open(self, tenant_id: str, contact_id: str, hour: int, at: datetime, groups: list[str]) -> None:
        self._add(tenant_id, contact_id, f"ADD opens :n, h{hour} :n SET last_opened_at = :at", at)
        for group in groups:
            self._add(tenant_id, f"#{group}", f"ADD h{hour} :n", at)

    def record_click(self, tenant_id: str, contact_id: str, at: datetime) -> None:
        self._add(tenant_id, contact_id, "ADD clicks :n SET last_clicked_at = :at", at)

    def history(self, tenant_id: str, contact_id: str) -> ContactEngagement:
        row = self._get(tenant_id, contact_id)
        return ContactEngagement(_hours(row), _profile(row))

    def pooled(self, tenant_id: str, group: str) -> OpenHistogram:
        return _hours(self._get(tenant_id, f"#{group}"))

    def profiles(self, tenant_id: str) -> Iterator[tuple[str, EngagementProfile]]:
        paginator = self._db.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=values({":pk": _pk(tenant_id)}),
        )
        for page in pages:
            for item in page["Items"]:
                row = from_item(item)
                if not row["sk"].startswith("#"):
                    yield row["sk"], _profile(row)

    def tenants(self) -> list[str]:
        answer = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=values({":pk": REGISTRY}),
        )
        return [from_item(item)["sk"] for item in answer["Items"]]

    def _add(
        self, tenant_id: str, sk: str, update: str, at: datetime | None, returns: str = "NONE", n: int = 1
    ) -> dict[str, Any]:
        given = {":n": n} | ({":at": iso(at)} if at is not None and ":at" in update else {})
        answer = self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": _pk(tenant_id), "sk": sk}),
            UpdateExpression=update,
            ExpressionAttributeValues=values(given),
            ReturnValues=returns,
        )
        return from_item(answer.get("Attributes", {}))

    def _get(self, tenant_id: str, sk: str) -> dict[str, Any]:
        answer = self._db.get_item(TableName=self._table, Key=to_item({"pk": _pk(tenant_id), "sk": sk}))
        return from_item(answer.get("Item", {}))


def _pk(tenant_id: str) -> str:
    return tenant_key(tenant_id, "ENGAGEMENT")


def _hours(row: dict[str, Any]) -> OpenHistogram:
    opens = {int(name[1:]): int(count) for name, count in row.items() if name[:1] == "h" and name[1:].isdigit()}
    return OpenHistogram(int(row.get("sends", 0)), opens)


def _profile(row: dict[str, Any]) -> EngagementProfile:
    return EngagementProfile(
        sends=int(row.get("sends", 0)),
        opens=int(row.get("opens", 0)),
        clicks=int(row.get("clicks", 0)),
        last_sent_at=_moment(row.get("last_sent_at")),
        last_opened_at=_moment(row.get("last_opened_at")),
        last_clicked_at=_moment(row.get("last_clicked_at")),
    )


def _moment(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None
