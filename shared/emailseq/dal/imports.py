"""Imports: the import record and its per-chunk markers in the table, the files in S3, the work queue in SQS.

TENANT#t#IMPORT#id / IMPORT        status, row counts (ADDed per chunk), the header's columns
TENANT#t#IMPORT#id / CHUNK#00042   marker: this chunk was counted (written with the counts, in one transaction)
"""

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.imports import ImportRecord, ImportStatus
from emailseq.domain.ports import BackfillPage, ImportChunk


class DynamoImportStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, record: ImportRecord) -> None:
        item = {**_key(record.tenant_id, record.import_id), "created_at": iso(record.created_at)}
        item |= {"tenant_id": record.tenant_id, "import_id": record.import_id, "status": record.status.value}
        self._db.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")

    def get(self, tenant_id: str, import_id: str) -> ImportRecord | None:
        response = self._db.get_item(
            TableName=self._table, Key=to_item(_key(tenant_id, import_id)), ConsistentRead=True
        )
        return _record(from_item(response["Item"])) if "Item" in response else None

    def begin(self, tenant_id: str, import_id: str, total: int, chunks: int, columns: list[str]) -> bool:
        return self._update(
            _key(tenant_id, import_id),
            "SET #s = :running, #t = :total, chunks = :chunks, #c = :columns, done = :zero, good = :zero, bad = :zero",
            "#s = :waiting",
            {":running": "running", ":waiting": "waiting_for_upload", ":total": total, ":chunks": chunks}
            | {":columns": columns, ":zero": 0},
            {"#s": "status", "#t": "total", "#c": "columns"},
        )

    def complete_chunk(self, chunk: ImportChunk, good: int, bad: int) -> ImportRecord | None:
        key = _key(chunk.tenant_id, chunk.import_id)
        marker = {"pk": key["pk"], "sk": f"CHUNK#{chunk.index:05d}", "good": good, "bad": bad}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(marker),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item(key),
                            "UpdateExpression": "ADD done :done, good :good, bad :bad",
                            "ExpressionAttributeValues": values({":done": good + bad, ":good": good, ":bad": bad}),
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                return None  # this chunk was counted before (a redelivered order)
            raise
        return self.get(chunk.tenant_id, chunk.import_id)

    def finish(self, tenant_id: str, import_id: str, status: ImportStatus, reason: str | None, report: bool) -> None:
        given: dict[str, Any] = {":status": status.value, ":report": report}
        update = "SET #s = :status, has_report = :report"
        if reason is not None:
            update, given[":reason"] = update + ", reason = :reason", reason
        self._update(_key(tenant_id, import_id), update, None, given, {"#s": "status"})

    def _update(
        self, key: dict[str, str], update: str, condition: str | None, given: dict[str, Any], names: dict[str, str]
    ) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(key),
                UpdateExpression=update,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values(given),
                **({"ConditionExpression": condition} if condition else {}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


class S3ImportFiles:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def upload_url(self, key: str, expires_seconds: int) -> str:
        params = {"Bucket": self._bucket, "Key": key, "ContentType": "text/csv"}
        return str(self._s3.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_seconds))

    def download_url(self, key: str, expires_seconds: int) -> str:
        params = {"Bucket": self._bucket, "Key": key}
        return str(self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds))

    def lines(self, key: str, offset: int = 0) -> Iterator[bytes]:
        ranged = {"Range": f"bytes={offset}-"} if offset else {}
        body = self._s3.get_object(Bucket=self._bucket, Key=key, **ranged)["Body"]
        pending = b""
        for block in body.iter_chunks(1 << 16):
            pending += block
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line + b"\n"
        if pending:
            yield pending

    def put_text(self, key: str, text: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=text.encode(), ContentType="text/csv")

    def texts(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            keys += [entry["Key"] for entry in page.get("Contents", [])]
        return [self._s3.get_object(Bucket=self._bucket, Key=k)["Body"].read().decode() for k in sorted(keys)]


class SqsWorkQueue:
    """Import chunks and segment backfill pages, as JSON messages tagged with their kind."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, orders: list[ImportChunk | BackfillPage]) -> None:
        for start in range(0, len(orders), 10):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps({"kind": _kind(order), **asdict(order)})}
                for i, order in enumerate(orders[start : start + 10])
            ]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} orders: {response['Failed'][:3]}")


def _kind(order: ImportChunk | BackfillPage) -> str:
    return "import.chunk" if isinstance(order, ImportChunk) else "segment.backfill"


def _key(tenant_id: str, import_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "IMPORT", import_id), "sk": "IMPORT"}


def _record(row: dict[str, Any]) -> ImportRecord:
    return ImportRecord(
        tenant_id=row["tenant_id"],
        import_id=row["import_id"],
        created_at=parse_iso(row["created_at"]),
        status=ImportStatus(row["status"]),
        total=row.get("total"),
        chunks=row.get("chunks", 0),
        done=row.get("done", 0),
        good=row.get("good", 0),
        bad=row.get("bad", 0),
        reason=row.get("reason"),
        has_report=bool(row.get("has_report")),
        columns=list(row.get("columns", [])),
    )
