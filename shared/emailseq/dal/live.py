"""The live feed's WebSocket connections (single table, with TTL) and the API Gateway @connections pusher.

Items: `TENANT#<t>#LIVE` / `CONN#<id>` (the broadcaster queries a tenant's connections) and `LIVE#CONNECTION#<id>`
/ `CONNECTION` (the tenant of a connection: $disconnect events carry only the connection id). Both expire after
CONNECTION_TTL (API Gateway closes a WebSocket after 2 hours anyway), so a missed $disconnect leaves nothing
behind; a push to a connection that is gone (410) removes it at once.
"""

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.aws import endpoint_client
from emailseq.dal.items import from_item, tenant_key, to_item, values

CONNECTION_TTL = timedelta(hours=3)


def _by_id(connection_id: str) -> dict[str, str]:
    return {"pk": f"LIVE#CONNECTION#{connection_id}", "sk": "CONNECTION"}


def _by_tenant(tenant_id: str, connection_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "LIVE"), "sk": f"CONN#{connection_id}"}


class DynamoLiveConnections:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def add(self, tenant_id: str, connection_id: str, now: datetime) -> None:
        expires = int((now + CONNECTION_TTL).timestamp())
        fields = {"tenant_id": tenant_id, "connection_id": connection_id, "expires_at": expires}
        items = [{**_by_id(connection_id), **fields}, {**_by_tenant(tenant_id, connection_id), **fields}]
        self._db.transact_write_items(
            TransactItems=[{"Put": {"TableName": self._table, "Item": to_item(item)}} for item in items]
        )

    def remove(self, connection_id: str) -> None:
        found = self._db.get_item(TableName=self._table, Key=to_item(_by_id(connection_id)), ConsistentRead=True)
        if "Item" not in found:
            return
        tenant_id = from_item(found["Item"])["tenant_id"]
        keys = [_by_id(connection_id), _by_tenant(tenant_id, connection_id)]
        self._db.transact_write_items(
            TransactItems=[{"Delete": {"TableName": self._table, "Key": to_item(key)}} for key in keys]
        )

    def of_tenant(self, tenant_id: str) -> list[str]:
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :conn)",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "LIVE"), ":conn": "CONN#"}),
            ProjectionExpression="connection_id",
        )
        return [str(from_item(item)["connection_id"]) for page in pages for item in page["Items"]]


class ApiGatewayLivePusher:
    """PostToConnection on the WebSocket API's management endpoint (https://{api}.execute-api…/{stage})."""

    def __init__(self, management_api: Any) -> None:
        self._api = management_api

    @classmethod
    def at(cls, endpoint_url: str) -> "ApiGatewayLivePusher":
        return cls(endpoint_client("apigatewaymanagementapi", endpoint_url))

    def push(self, connection_id: str, message: bytes) -> bool:
        try:
            self._api.post_to_connection(ConnectionId=connection_id, Data=message)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("GoneException", "410"):
                return False
            raise
        return True
