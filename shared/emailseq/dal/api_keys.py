"""API keys in the data table, under their tenant: pk TENANT#<t>#APIKEYS, sk APIKEY#<sha256 of the key>.

The authorizer finds a key with one GetItem (the tenant from the key, the hash of the whole key); listing is one
Query of the tenant's partition. Only the hash is ever written.
"""

from typing import Any

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.access import Role
from emailseq.domain.api_keys import ApiKeyRecord

_SK = "APIKEY#"


class DynamoApiKeys:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def add(self, record: ApiKeyRecord) -> None:
        item = {
            **_key(record.tenant_id, record.key_hash),
            "role": record.role.value,
            "name": record.name,
            "hint": record.hint,
            "created_at": iso(record.created_at),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(sk)")

    def find(self, tenant_id: str, key_hash: str) -> ApiKeyRecord | None:
        found = self._db.get_item(TableName=self._table, Key=to_item(_key(tenant_id, key_hash)))
        return _record(tenant_id, from_item(found["Item"])) if "Item" in found else None

    def of_tenant(self, tenant_id: str) -> list[ApiKeyRecord]:
        return [_record(tenant_id, row) for row in self._rows(tenant_id, _SK)]

    def revoke(self, tenant_id: str, key_id: str) -> bool:
        rows = self._rows(tenant_id, _SK + key_id)
        for row in rows:
            self._db.delete_item(TableName=self._table, Key=to_item({"pk": row["pk"], "sk": row["sk"]}))
        return bool(rows)

    def _rows(self, tenant_id: str, sk_prefix: str) -> list[dict[str, Any]]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
            "ExpressionAttributeValues": values({":pk": tenant_key(tenant_id, "APIKEYS"), ":sk": sk_prefix}),
        }
        rows: list[dict[str, Any]] = []
        while True:
            response = self._db.query(**query)
            rows += [from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return rows
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _key(tenant_id: str, key_hash: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "APIKEYS"), "sk": _SK + key_hash}


def _record(tenant_id: str, row: dict[str, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        tenant_id=tenant_id,
        key_hash=str(row["sk"]).removeprefix(_SK),
        role=Role(row["role"]),
        name=str(row.get("name", "")),
        hint=str(row.get("hint", "")),
        created_at=parse_iso(str(row["created_at"])),
    )
