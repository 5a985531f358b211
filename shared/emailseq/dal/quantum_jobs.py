"""Quantum jobs: the record in the single table, the full result in S3, the order on the quantum queue.

TENANT#t#QJOB#id / QJOB   status, the request, timestamps, error / note; the result at quantum/t/id/result.json
"""

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.quantum_jobs import QuantumJob, QuantumJobRequest, QuantumJobStatus


class DynamoQuantumJobStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, job: QuantumJob) -> None:
        item: dict[str, Any] = {**_key(job.tenant_id, job.job_id), "tenant_id": job.tenant_id, "job_id": job.job_id}
        item |= {"status": job.status.value, "created_at": iso(job.created_at), "request": job.request.model_dump()}
        self._db.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")

    def get(self, tenant_id: str, job_id: str) -> QuantumJob | None:
        response = self._db.get_item(TableName=self._table, Key=to_item(_key(tenant_id, job_id)), ConsistentRead=True)
        return _job(from_item(response["Item"])) if "Item" in response else None

    def start(self, tenant_id: str, job_id: str, at: datetime) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(_key(tenant_id, job_id)),
                UpdateExpression="SET #s = :running, started_at = :at",
                ConditionExpression="#s IN (:queued, :running)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values({":running": "running", ":queued": "queued", ":at": iso(at)}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def finish(
        self, tenant_id: str, job_id: str, status: QuantumJobStatus, at: datetime, error: str | None, note: str | None
    ) -> None:
        given = {":status": status.value, ":at": iso(at), ":error": error or "", ":note": note or ""}
        self._db.update_item(
            TableName=self._table,
            Key=to_item(_key(tenant_id, job_id)),
            UpdateExpression="SET #s = :status, finished_at = :at, #e = :error, quantum_note = :note",
            ExpressionAttributeNames={"#s": "status", "#e": "error"},
            ExpressionAttributeValues=values(given),
        )


class S3QuantumResults:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, key: str, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        document: dict[str, Any] = json.loads(body)
        return document


class SqsQuantumJobQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, tenant_id: str, job_id: str) -> None:
        body = json.dumps({"kind": "quantum.job", "tenant_id": tenant_id, "job_id": job_id})
        self._sqs.send_message(QueueUrl=self._url, MessageBody=body)


def _key(tenant_id: str, job_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "QJOB", job_id), "sk": "QJOB"}


def _job(row: dict[str, Any]) -> QuantumJob:
    def moment(name: str) -> datetime | None:
        return parse_iso(row[name]) if row.get(name) else None

    return QuantumJob(
        tenant_id=row["tenant_id"],
        job_id=row["job_id"],
        request=QuantumJobRequest.model_validate(row["request"]),
        created_at=parse_iso(row["created_at"]),
        status=QuantumJobStatus(row["status"]),
        started_at=moment("started_at"),
        finished_at=moment("finished_at"),
        error=row.get("error") or None,
        quantum_note=row.get("quantum_note") or None,
    )
