"""Replies in the data table and the bucket: message references (which tenant and contact a sent message went
to, by message id), how each reply was read, and the raw inbound message SES receiving stored in S3."""

from datetime import datetime, timedelta
from typing import Any

from emailseq.dal.batches import batch_write
from emailseq.dal.items import from_item, iso, tenant_key, to_item

# Replies come months later at most; the reference goes with the table's TTL after a year.
REFERENCE_DAYS = 365


def _local_part(message_id: str) -> str:
    """The id before its @: SES answers a bare id (some emulators add `@email.amazonses.com`) while a reply's
    In-Reply-To names `<id@<region>.amazonses.com>`; an SMTP relay keeps our own `<n@domain>`. Both sides of the
    lookup use the part before @, which is unique on its own."""
    return message_id.strip().strip("<>").strip().split("@", 1)[0]


class DynamoMessageReferences:
    """pk MESSAGE#<id>: a deployment-wide key, because a reply names only our message id, never the tenant (SES
    gives every message its own id, `<SES id>@<region>.amazonses.com` in the reply's In-Reply-To). The item
    holds ids only, no address."""

    def __init__(self, dynamodb: Any, table: str, held_to_flush: bool = False) -> None:
        """`held_to_flush`: references wait for `flush()` and go in one BatchWriteItem (dal.deferred)."""
        self._db = dynamodb
        self._table = table
        self._held: dict[str, dict[str, Any]] | None = {} if held_to_flush else None

    def remember(self, message_id: str, tenant_id: str, contact_id: str, at: datetime | None = None) -> None:
        expires = (at or datetime.now().astimezone()) + timedelta(days=REFERENCE_DAYS)
        item: dict[str, Any] = {"pk": f"MESSAGE#{_local_part(message_id)}", "sk": "REF", "tenant_id": tenant_id}
        item |= {"contact_id": contact_id, "expires_at": int(expires.timestamp())}
        if self._held is None:
            self._db.put_item(TableName=self._table, Item=to_item(item))
        else:
            self._held[item["pk"]] = item  # one write per message: BatchWriteItem refuses a key twice

    def flush(self) -> None:
        held, self._held = self._held, {} if self._held is not None else None
        if held:
            batch_write(self._db, self._table, list(held.values()))

    def find(self, message_ids: list[str]) -> tuple[str, str] | None:
        for message_id in dict.fromkeys(_local_part(m) for m in message_ids):
            key = to_item({"pk": f"MESSAGE#{message_id}", "sk": "REF"})
            found = self._db.get_item(TableName=self._table, Key=key).get("Item")
            if found:
                row = from_item(found)
                return str(row["tenant_id"]), str(row["contact_id"])
        return None


class DynamoReplyLog:
    """pk TENANT#<t>#CONTACT#<c>, sk REPLY#<time>#<reply id>: how each reply was read."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def record(self, tenant_id: str, contact_id: str, reply_id: str, reading: dict[str, Any], at: datetime) -> None:
        item = {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"REPLY#{iso(at)}#{reply_id}"}
        self._db.put_item(TableName=self._table, Item=to_item({**item, **reading, "received_at": iso(at)}))


def read_inbound(s3: Any, bucket: str, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body
