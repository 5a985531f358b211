"""The scheduler's time index: GSI `due` keyed `DUE#<day>#<shard>` / `<due time>#<item key>`.

Bucketing by day keeps each query to what could be due; sharding spreads one hot minute over SHARDS partitions.
A watermark item remembers the oldest day that may still hold entries, so a clock that jumps days ahead reads
every day in between and nothing older.
"""

import zlib
from datetime import datetime, timedelta
from typing import Any

from emailseq.dal.items import from_item, iso, to_item, values

SHARDS = 8
INDEX_NAME = "due"
_WATERMARK_KEY = {"pk": "SCHEDULER", "sk": "WATERMARK"}


def index_attributes(pk: str, sk: str, due_at: datetime) -> dict[str, str]:
    shard = zlib.crc32(f"{pk}|{sk}".encode()) % SHARDS
    return {"due_pk": f"DUE#{due_at.date().isoformat()}#{shard}", "due_sk": f"{iso(due_at)}#{pk}|{sk}"}


def due_keys(db: Any, table: str, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Primary keys of items due by `now`, oldest day first, at most `limit`."""
    found: list[dict[str, Any]] = []
    watermark = _watermark(db, table, now)
    today = now.date()
    older_days_hold_entries = False
    day = watermark
    while day <= today and len(found) < limit:
        for shard in range(SHARDS):
            rows = _query_bucket(db, table, f"DUE#{day.isoformat()}#{shard}", iso(now), limit - len(found))
            found += rows
            older_days_hold_entries |= bool(rows) and day < today
        day += timedelta(days=1)
    if not older_days_hold_entries and len(found) < limit and watermark < today - timedelta(days=1):
        _raise_watermark(db, table, today - timedelta(days=1))
    return found


def _query_bucket(db: Any, table: str, bucket: str, until: str, limit: int) -> list[dict[str, Any]]:
    if limit <= 0:
        return []
    response = db.query(
        TableName=table,
        IndexName=INDEX_NAME,
        Limit=limit,
        KeyConditionExpression="due_pk = :bucket AND due_sk <= :until",
        ExpressionAttributeValues=values({":bucket": bucket, ":until": until + "\uffff"}),
    )
    return [{"pk": row["pk"], "sk": row["sk"]} for row in map(from_item, response["Items"])]


def _watermark(db: Any, table: str, now: datetime) -> Any:
    response = db.get_item(TableName=table, Key=to_item(_WATERMARK_KEY))
    if "Item" in response:
        return datetime.fromisoformat(from_item(response["Item"])["day"]).date()
    return now.date() - timedelta(days=1)


def _raise_watermark(db: Any, table: str, day: Any) -> None:
    # Kept one day behind "today" so entries written with a slightly earlier clock are still found.
    db.put_item(TableName=table, Item=to_item({**_WATERMARK_KEY, "day": day.isoformat()}))
