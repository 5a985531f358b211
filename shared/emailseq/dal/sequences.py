"""Sequence versions in the single table.

Items: `VERSION#n` (immutable, one per applied change), `HEAD` (the current version), one trigger-index item per
sequence under `TRIGGER#<event>` (so the enroller finds sequences by event type with one query), one catalog
item per sequence under `SEQUENCES` (the tenant's list, each head's status), and counters under `STATS` /
`STATS#STEP#<id>`.
"""

import json
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.errors import Conflict
from emailseq.domain.ports import SequenceCounts, StepCounts, StoredSequence
from emailseq.domain.sequence import SequenceDocument

_VERSIONS_KEPT = 256  # a warm worker reads each version it sends from once; the oldest go first past this


class DynamoSequenceRepository:
    def __init__(self, dynamodb: Any, table: str, triggers_per_batch: bool = False) -> None:
        """`triggers_per_batch`: the sequences an event type triggers are read once per SQS batch (the enroller's;
        `flush()` ends the batch), so a sequence applied or paused meanwhile counts from the next batch on."""
        self._db = dynamodb
        self._table = table
        self._versions: dict[tuple[str, str, int], StoredSequence] = {}
        self._triggers: dict[tuple[str, str], list[StoredSequence]] | None = {} if triggers_per_batch else None

    def current(self, tenant_id: str, sequence_id: str) -> StoredSequence | None:
        return self._read(tenant_id, tenant_key(tenant_id, "SEQ", sequence_id), "HEAD")

    def version(self, tenant_id: str, sequence_id: str, version: int) -> StoredSequence | None:
        """A version is written once and never changed, so a warm worker keeps what it read: the step worker
        asks for it on every send (its status comes from `status`, read each time)."""
        wanted = (tenant_id, sequence_id, version)
        if (kept := self._versions.get(wanted)) is not None:
            return kept
        found = self._read(tenant_id, tenant_key(tenant_id, "SEQ", sequence_id), f"VERSION#{version:08d}")
        if found is not None:
            if len(self._versions) >= _VERSIONS_KEPT:
                del self._versions[next(iter(self._versions))]
            self._versions[wanted] = found
        return found

    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]:
        if self._triggers is not None and (held := self._triggers.get((tenant_id, event_type))) is not None:
            return held
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "TRIGGER", event_type)}),
        )
        found = [_stored(tenant_id, from_item(item)) for page in pages for item in page["Items"]]
        if self._triggers is not None:
            self._triggers[(tenant_id, event_type)] = found
        return found

    def flush(self) -> None:
        """The batch is over: the next one reads the triggers afresh."""
        if self._triggers is not None:
            self._triggers = {}

    def listing(self, tenant_id: str) -> list[StoredSequence]:
        """The tenant's sequences (their current versions and status), by id: one query on the catalog."""
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "SEQUENCES")}),
        )
        return [_stored(tenant_id, from_item(item)) for page in pages for item in page["Items"]]

    def save_new_version(self, stored: StoredSequence) -> None:
        tenant, document = stored.tenant_id, stored.document
        seq_pk = tenant_key(tenant, "SEQ", document.id)
        previous = self.current(tenant, document.id)
        status = previous.status if previous else "active"  # a new version of a paused sequence stays paused
        body = {**_body(stored), "status": status}
        writes: list[dict[str, Any]] = [
            _put(self._table, {"pk": seq_pk, "sk": f"VERSION#{stored.version:08d}", **body}, new=True),
            _put(self._table, {"pk": seq_pk, "sk": "HEAD", **body}),
            _put(self._table, {**_catalog_key(tenant, document.id), **body}),
        ]
        if status == "active":  # only active sequences are found by their trigger
            trigger_key = {"pk": tenant_key(tenant, "TRIGGER", document.trigger.event), "sk": f"SEQ#{document.id}"}
            writes.append(_put(self._table, {**trigger_key, **body}))
        if previous and previous.document.trigger.event != document.trigger.event:
            old_trigger = tenant_key(tenant, "TRIGGER", previous.document.trigger.event)
            writes.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item({"pk": old_trigger, "sk": f"SEQ#{document.id}"}),
                    }
                }
            )
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise Conflict(f"sequence '{document.id}' changed while this version was applied; retry") from error
            raise

    def status(self, tenant_id: str, sequence_id: str) -> str | None:
        response = self._db.get_item(
            TableName=self._table,
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
            Key=to_item({"pk": tenant_key(tenant_id, "SEQ", sequence_id), "sk": "HEAD"}),
        )
        return str(response["Item"].get("status", {}).get("S", "active")) if "Item" in response else None

    def set_status(self, tenant_id: str, sequence_id: str, status: str) -> StoredSequence | None:
        """Pause, resume or archive: HEAD records it, and the trigger item exists only while active."""
        head = self.current(tenant_id, sequence_id)
        if head is None:
            return None
        seq_pk = tenant_key(tenant_id, "SEQ", sequence_id)
        trigger_key = {"pk": tenant_key(tenant_id, "TRIGGER", head.document.trigger.event), "sk": f"SEQ#{sequence_id}"}
        body = {**_body(head), "status": status}
        trigger: dict[str, Any] = (
            _put(self._table, {**trigger_key, **body})
            if status == "active"
            else {"Delete": {"TableName": self._table, "Key": to_item(trigger_key)}}
        )
        head_put = _put(self._table, {"pk": seq_pk, "sk": "HEAD", **body})
        catalog = _put(self._table, {**_catalog_key(tenant_id, sequence_id), **body})
        self._db.transact_write_items(TransactItems=[head_put, catalog, trigger])
        return replace(head, status=status)

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :stats)",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "SEQ", sequence_id), ":stats": "STATS"}),
        )
        rows = [from_item(item) for item in response["Items"]]
        totals = next((row for row in rows if row["sk"] == "STATS"), {})
        steps = {
            row["step_id"]: StepCounts(
                step_id=row["step_id"],
                sent=row.get("sent", 0),
                opened=row.get("opened", 0),
                clicked=row.get("clicked", 0),
                machine_opened=row.get("machine_opened", 0),
                unsubscribed=row.get("unsubscribed", 0),
                delivered=row.get("delivered", 0),
                bounced=row.get("bounced", 0),
                converted=row.get("converted", 0),
            )
            for row in rows
            if row["sk"].startswith("STATS#STEP#")
        }
        return SequenceCounts(
            enrolled=totals.get("enrolled", 0),
            completed=totals.get("completed", 0),
            converted=totals.get("converted", 0),
            exited=totals.get("exited", 0),
            steps=steps,
        )

    def _read(self, tenant_id: str, pk: str, sk: str) -> StoredSequence | None:
        response = self._db.get_item(TableName=self._table, Key=to_item({"pk": pk, "sk": sk}))
        return _stored(tenant_id, from_item(response["Item"])) if "Item" in response else None


def _catalog_key(tenant_id: str, sequence_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "SEQUENCES"), "sk": f"SEQ#{sequence_id}"}


def _body(stored: StoredSequence) -> dict[str, Any]:
    return {
        "sequence_id": stored.document.id,
        "version": stored.version,
        "content_hash": stored.content_hash,
        "created_at": iso(stored.created_at),
        "document": json.dumps(stored.document.canonical(), sort_keys=True),
    }


def _stored(tenant_id: str, row: dict[str, Any]) -> StoredSequence:
    return StoredSequence(
        tenant_id=tenant_id,
        document=SequenceDocument.model_validate_json(row["document"]),
        version=row["version"],
        content_hash=row["content_hash"],
        created_at=parse_iso(row["created_at"]),
        status=row.get("status", "active"),
    )


def _put(table: str, item: dict[str, Any], new: bool = False) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
    if new:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}
