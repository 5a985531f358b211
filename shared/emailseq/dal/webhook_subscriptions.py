"""Webhook subscriptions, their delivery log and delivered-markers in the single table.

Items: `SUB#<id>` under the tenant's `WEBHOOKS` partition (a tenant has at most 25: read with one Query), the
signing secret sealed with the tenant's data key like a contact's PII (AAD: tenant, `webhook:<id>`, `secret`);
per subscription, `DELIVERY#<time>#<event>#<attempt>` log entries (newest first by a reverse Query, TTL 30 days)
and `DONE#<event id>` markers (TTL 7 days) so an event a receiver took is not posted to it again.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from emailseq.crypto.envelope import key_version, open_sealed, seal
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.dal.items import from_item, iso, parse_iso, sealed_record, tenant_key, to_item, values
from emailseq.domain import cursor as cursors
from emailseq.domain.ports import Page
from emailseq.domain.webhooks import DeliveryAttempt, Subscription

_LOG_DAYS = 30
_DONE_DAYS = 7


class DynamoWebhookStore:
    def __init__(self, dynamodb: Any, table: str, keys: DynamoDataKeys | None = None) -> None:
        """`keys`: the tenants' data keys, to seal and open secrets (a store that only lists needs none; the
        fan-out's role may not use them)."""
        self._db = dynamodb
        self._table = table
        self._keys = keys

    def put(self, subscription: Subscription) -> None:
        item = {
            **_key(subscription.tenant_id, subscription.subscription_id),
            "subscription_id": subscription.subscription_id,
            "url": subscription.url,
            "events": json.dumps(list(subscription.events)),
            "secret": self._sealed(subscription),
            "created_at": iso(subscription.created_at),
            "description": subscription.description,
            "enabled": subscription.enabled,
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))

    def get(self, tenant_id: str, subscription_id: str) -> Subscription | None:
        response = self._db.get_item(TableName=self._table, Key=to_item(_key(tenant_id, subscription_id)))
        if "Item" not in response:
            return None
        row = from_item(response["Item"])
        return _subscription(tenant_id, row, secret=self._opened(tenant_id, subscription_id, row["secret"]))

    def of_tenant(self, tenant_id: str) -> list[Subscription]:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :sub)",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "WEBHOOKS"), ":sub": "SUB#"}),
        )
        return [_subscription(tenant_id, from_item(item)) for item in response["Items"]]

    def _sealed(self, subscription: Subscription) -> dict[str, Any]:
        if self._keys is None or subscription.secret is None:
            raise ValueError("a subscription is stored with its secret, sealed: this store has no data keys")
        keys = self._keys.current(subscription.tenant_id)
        return seal(keys, _owner(subscription.subscription_id), "secret", subscription.secret)

    def _opened(self, tenant_id: str, subscription_id: str, stored: Any) -> str:
        if isinstance(stored, str):
            return stored  # written before secrets were sealed: sealed the next time the subscription changes
        if self._keys is None:
            raise ValueError("this store has no data keys to open a webhook secret")
        keys = self._keys.version(tenant_id, key_version(stored))
        return open_sealed(keys, _owner(subscription_id), "secret", sealed_record(stored))

    def delete(self, tenant_id: str, subscription_id: str) -> bool:
        response = self._db.delete_item(
            TableName=self._table, Key=to_item(_key(tenant_id, subscription_id)), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    def log(self, tenant_id: str, attempt: DeliveryAttempt) -> None:
        item = {
            "pk": _log_partition(tenant_id, attempt.subscription_id),
            "sk": f"DELIVERY#{iso(attempt.at)}#{attempt.event_id}#{attempt.attempt:02d}",
            "event_id": attempt.event_id,
            "event_type": attempt.event_type,
            "attempt": attempt.attempt,
            "at": iso(attempt.at),
            "outcome": attempt.outcome,
            "status_code": attempt.status_code,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
            "expires_at": _expiry(attempt.at, _LOG_DAYS),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))

    def deliveries(self, tenant_id: str, subscription_id: str, cursor: str | None, limit: int) -> Page[DeliveryAttempt]:
        partition = _log_partition(tenant_id, subscription_id)
        start = cursors.decode(cursor, partition)
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :log)",
            ExpressionAttributeValues=values({":pk": partition, ":log": "DELIVERY#"}),
            ScanIndexForward=False,
            Limit=limit,
            **({"ExclusiveStartKey": to_item(start)} if start else {}),
        )
        last = response.get("LastEvaluatedKey")
        plain = {k: str(v) for k, v in from_item(last).items()} if last else None
        attempts = [_attempt(subscription_id, from_item(item)) for item in response["Items"]]
        return Page(attempts, cursors.encode(plain))

    def mark_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> None:
        now = datetime.now(UTC)
        item = {**_done_key(tenant_id, subscription_id, event_id), "expires_at": _expiry(now, _DONE_DAYS)}
        self._db.put_item(TableName=self._table, Item=to_item(item))

    def was_delivered(self, tenant_id: str, subscription_id: str, event_id: str) -> bool:
        key = _done_key(tenant_id, subscription_id, event_id)
        return "Item" in self._db.get_item(TableName=self._table, Key=to_item(key), ConsistentRead=True)


def _key(tenant_id: str, subscription_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "WEBHOOKS"), "sk": f"SUB#{subscription_id}"}


def _log_partition(tenant_id: str, subscription_id: str) -> str:
    return tenant_key(tenant_id, "WEBHOOK", subscription_id)


def _done_key(tenant_id: str, subscription_id: str, event_id: str) -> dict[str, str]:
    return {"pk": _log_partition(tenant_id, subscription_id), "sk": f"DONE#{event_id}"}


def _expiry(at: datetime, days: int) -> int:
    return int((at + timedelta(days=days)).timestamp())


def _owner(subscription_id: str) -> str:
    """What the sealed record is bound to, in the envelope's contact slot: a secret moved to another subscription
    (or into a contact's field) does not open."""
    return f"webhook:{subscription_id}"


def _subscription(tenant_id: str, row: dict[str, Any], secret: str | None = None) -> Subscription:
    return Subscription(
        tenant_id=tenant_id,
        subscription_id=row["subscription_id"],
        url=row["url"],
        events=tuple(json.loads(row["events"])),
        secret=secret,
        created_at=parse_iso(row["created_at"]),
        description=row.get("description", ""),
        enabled=bool(row.get("enabled", True)),
    )


def _attempt(subscription_id: str, row: dict[str, Any]) -> DeliveryAttempt:
    return DeliveryAttempt(
        subscription_id=subscription_id,
        event_id=row["event_id"],
        event_type=row["event_type"],
        attempt=int(row["attempt"]),
        at=parse_iso(row["at"]),
        outcome=row["outcome"],
        status_code=row.get("status_code"),
        error=row.get("error"),
        duration_ms=int(row.get("duration_ms", 0)),
    )
