"""Per-tenant event rate: one counter item per tenant and second, bumped with a conditional ADD.

pk TENANT#<t>#RATE#EVENTS, sk the epoch second; the item expires (TTL) a minute later. The condition makes the
counter stop at the limit, so a refused request writes nothing and the count stays exact under concurrency.
"""

from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import tenant_key, to_item, values

_KEEP_SECONDS = 60


class DynamoEventRateLimiter:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def take(self, tenant_id: str, second: int, limit: int) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": tenant_key(tenant_id, "RATE", "EVENTS"), "sk": str(second)}),
                UpdateExpression="ADD events :one SET expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(events) OR events < :limit",
                ExpressionAttributeValues=values({":one": 1, ":limit": limit, ":expires": second + _KEEP_SECONDS}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
