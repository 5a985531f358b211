"""BatchGetItem and BatchWriteItem in their size limits (100 keys, 25 writes), with what DynamoDB left
unprocessed retried after a short, growing pause (throttling hands back part of a batch rather than failing)."""

import time
from collections.abc import Iterator
from typing import Any

from emailseq.dal.items import from_item, to_item

GET_LIMIT = 100
WRITE_LIMIT = 25
_ATTEMPTS = 8


def batch_get(db: Any, table: str, keys: list[dict[str, Any]], consistent: bool = True) -> list[dict[str, Any]]:
    """The items found for `keys` (plain values, in no particular order)."""
    found: list[dict[str, Any]] = []
    for chunk in _chunks(_unique(keys), GET_LIMIT):
        pending: dict[str, Any] = {table: {"Keys": [to_item(k) for k in chunk], "ConsistentRead": consistent}}
        for attempt in range(_ATTEMPTS):
            response = db.batch_get_item(RequestItems=pending)
            found += [from_item(item) for item in response["Responses"].get(table, [])]
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            _pause(attempt)
        else:
            raise RuntimeError(f"DynamoDB left {len(pending[table]['Keys'])} keys unread after {_ATTEMPTS} attempts")
    return found


def batch_write(db: Any, table: str, puts: list[dict[str, Any]], deletes: list[dict[str, Any]] | None = None) -> None:
    requests = [{"PutRequest": {"Item": to_item(item)}} for item in puts]
    requests += [{"DeleteRequest": {"Key": to_item(key)}} for key in deletes or []]
    for chunk in _chunks(requests, WRITE_LIMIT):
        pending: dict[str, Any] = {table: chunk}
        for attempt in range(_ATTEMPTS):
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            _pause(attempt)
        else:
            raise RuntimeError(f"DynamoDB left {len(pending[table])} writes undone after {_ATTEMPTS} attempts")


def _unique(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BatchGetItem refuses a request naming the same key twice."""
    return list({(k["pk"], k["sk"]): k for k in keys}.values())


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pause(attempt: int) -> None:
    time.sleep(min(1.0, 0.05 * 2**attempt))
