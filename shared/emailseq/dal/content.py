"""Content blocks in the single table.

Items: `BLOCK#<id>` under the tenant's `CONTENT#<collection>` partition (a collection is one paged Query), with
the embedding as a Binary attribute (384 float32, 1,536 bytes); and per block a URL pointer, sk `<collection>/<id>`
under `CONTENT_URL#<sha256 of the normalised URL>`, so a click finds its blocks without reading every collection.
A block and its pointer change in one transaction.
"""

import hashlib
from collections.abc import Iterator
from typing import Any

from emailseq.dal.batches import batch_get
from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.content import ContentBlock, normalise_url, split_block_key


class DynamoContentBlocks:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def put(self, block: ContentBlock) -> None:
        before = self.get(block.tenant_id, block.collection, block.block_id)
        item = {**_key(block.tenant_id, block.collection, block.block_id), **_attributes(block)}
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": to_item(item)}},
            {"Put": {"TableName": self._table, "Item": to_item(_pointer(block))}},
        ]
        if before is not None and normalise_url(before.url) != normalise_url(block.url):
            writes.append({"Delete": {"TableName": self._table, "Key": to_item(_pointer(before))}})
        self._db.transact_write_items(TransactItems=writes)

    def get(self, tenant_id: str, collection: str, block_id: str) -> ContentBlock | None:
        key = to_item(_key(tenant_id, collection, block_id))
        response = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        return _block(tenant_id, from_item(response["Item"])) if "Item" in response else None

    def delete(self, tenant_id: str, collection: str, block_id: str) -> bool:
        before = self.get(tenant_id, collection, block_id)
        if before is None:
            return False
        self._db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": to_item(_key(tenant_id, collection, block_id))}},
                {"Delete": {"TableName": self._table, "Key": to_item(_pointer(before))}},
            ]
        )
        return True

    def collection(self, tenant_id: str, collection: str) -> list[ContentBlock]:
        rows = self._query(tenant_key(tenant_id, "CONTENT", collection), "BLOCK#")
        return [_block(tenant_id, row) for row in rows]

    def count(self, tenant_id: str, collection: str) -> int:
        pages = self._pages(tenant_key(tenant_id, "CONTENT", collection), "BLOCK#", Select="COUNT")
        return sum(int(page["Count"]) for page in pages)

    def with_url(self, tenant_id: str, url: str) -> list[ContentBlock]:
        pointers = self._query(_url_partition(tenant_id, url))
        return self.many(tenant_id, [row["sk"] for row in pointers])

    def many(self, tenant_id: str, keys: list[str]) -> list[ContentBlock]:
        item_keys = [_key(tenant_id, *split_block_key(key)) for key in keys]
        return [_block(tenant_id, row) for row in batch_get(self._db, self._table, item_keys)]

    def _query(self, partition: str, prefix: str | None = None) -> list[dict[str, Any]]:
        return [from_item(item) for page in self._pages(partition, prefix) for item in page["Items"]]

    def _pages(self, partition: str, prefix: str | None = None, **options: Any) -> Iterator[dict[str, Any]]:
        """Every page of the partition (its items whose sort key starts with `prefix`), following the cursor."""
        condition, given = "pk = :pk", {":pk": partition}
        if prefix:
            condition, given = condition + " AND begins_with(sk, :prefix)", {**given, ":prefix": prefix}
        start: dict[str, Any] | None = None
        while True:
            paging = {"ExclusiveStartKey": start} if start else {}
            page: dict[str, Any] = self._db.query(
                TableName=self._table,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values(given),
                **options,
                **paging,
            )
            yield page
            start = page.get("LastEvaluatedKey")
            if not start:
                return


def _key(tenant_id: str, collection: str, block_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "CONTENT", collection), "sk": f"BLOCK#{block_id}"}


def _url_partition(tenant_id: str, normalised_url: str) -> str:
    return tenant_key(tenant_id, "CONTENT_URL", hashlib.sha256(normalised_url.encode()).hexdigest())


def _pointer(block: ContentBlock) -> dict[str, str]:
    return {"pk": _url_partition(block.tenant_id, normalise_url(block.url)), "sk": block.key}


def _attributes(block: ContentBlock) -> dict[str, Any]:
    return {
        "collection": block.collection,
        "block_id": block.block_id,
        "title": block.title,
        "url": block.url,
        "summary": block.summary,
        "tags": list(block.tags),
        "updated_at": iso(block.updated_at),
        "vector": block.vector,
    }


def _block(tenant_id: str, row: dict[str, Any]) -> ContentBlock:
    return ContentBlock(
        tenant_id=tenant_id,
        collection=row["collection"],
        block_id=row["block_id"],
        title=row["title"],
        url=row["url"],
        summary=row["summary"],
        tags=tuple(row.get("tags", [])),
        updated_at=parse_iso(row["updated_at"]),
        vector=bytes(getattr(row["vector"], "value", row["vector"])),
    )
