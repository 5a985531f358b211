"""Tenant settings (cached for a minute in a warm Lambda) and the per-contact daily send counters of the cap."""

import time
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, tenant_key, to_item, values
from emailseq.domain.tenant import TenantSettings

_CACHE_SECONDS = 60.0


class DynamoTenantSettings:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table
        self._cache: dict[str, tuple[float, TenantSettings]] = {}

    def get(self, tenant_id: str) -> TenantSettings:
        cached = self._cache.get(tenant_id)
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        response = self._db.get_item(TableName=self._table, Key=to_item(_key(tenant_id)))
        row = from_item(response["Item"]) if "Item" in response else {}
        settings = TenantSettings.model_validate(row.get("settings", {}))
        self._cache[tenant_id] = (time.monotonic(), settings)
        return settings

    def put(self, tenant_id: str, settings: TenantSettings) -> None:
        self._db.put_item(
            TableName=self._table, Item=to_item({**_key(tenant_id), "settings": settings.model_dump(exclude_none=True)})
        )
        self._cache.pop(tenant_id, None)


class DynamoSendCaps:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def reserve(self, tenant_id: str, contact_id: str, day: str, key: str, cap: int) -> bool:
        item_key = to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"SENDS#{day}"})
        try:
            self._db.update_item(
                TableName=self._table,
                Key=item_key,
                UpdateExpression="ADD sends :one, send_keys :key",
                ConditionExpression="attribute_not_exists(sends) OR (sends < :cap AND NOT contains(send_keys, :k))",
                ExpressionAttributeValues={**values({":one": 1, ":cap": cap, ":k": key}), ":key": {"SS": [key]}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            row = self._db.get_item(TableName=self._table, Key=item_key, ConsistentRead=True).get("Item", {})
            return key in row.get("send_keys", {}).get("SS", [])
        return True


def _key(tenant_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "SETTINGS"), "sk": "SETTINGS"}
