"""Event ids already taken in, so the same id is processed once (kept 30 days, then removed by TTL)."""

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import iso, tenant_key, to_item
from emailseq.domain.messages import RecordEvent
from emailseq.domain.ports import Clock

_RETENTION = timedelta(days=30)


class DynamoEventLog:
    def __init__(self, dynamodb: Any, table: str, clock: Clock) -> None:
        self._db = dynamodb
        self._table = table
        self._clock = clock

    def claim(self, command: RecordEvent) -> bool:
        now = self._clock.now()
        item = {
            **_key(command),
            "type": command.type,
            "received_at": iso(now),
            "expires_at": int((now + _RETENTION).timestamp()),
        }
        try:
            self._db.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, command: RecordEvent) -> None:
        self._db.delete_item(TableName=self._table, Key=to_item(_key(command)))


def _key(command: RecordEvent) -> dict[str, str]:
    return {"pk": tenant_key(command.tenant_id, "EVENT", command.id), "sk": "EVENT"}
