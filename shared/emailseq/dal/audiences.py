"""Attribute schema, lists, segments and their members: items under the tenant in the single table.

    TENANT#t#SCHEMA / ATTR#name            a declared attribute and its type
    TENANT#t#LISTS / LIST#id               a list;      TENANT#t#LIST#id / MEMBER#contact       its members
    TENANT#t#SEGMENTS / SEGMENT#id         a segment;   TENANT#t#SEGMENT#id / MEMBER#contact    its members
Members carry ids only (no address): the contact's profile is read for the rest.
"""

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from emailseq.dal.batches import batch_write
from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item
from emailseq.domain import cursor as cursors
from emailseq.domain.attributes import AttributeSchema, AttributeType
from emailseq.domain.ports import Contact, ContactList, MemberEntry, Page, StoredSegment
from emailseq.domain.segments import Membership, SegmentDefinition

_CACHE_SECONDS = 60.0


class DynamoAudienceStore:
    def __init__(self, dynamodb: Any, table: str, to_contact: Callable[[dict[str, Any]], Contact]) -> None:
        self._db = dynamodb
        self._table = table
        self._to_contact = to_contact  # opens a profile item's sealed PII (DynamoContactRepository.contact_from_row)
        self._cached: dict[tuple[str, str], tuple[float, Any]] = {}

    def schema(self, tenant_id: str) -> AttributeSchema:
        rows = self._cache(tenant_id, "schema", lambda: self._all(tenant_key(tenant_id, "SCHEMA")))
        return {row["name"]: AttributeType(row["type"]) for row in rows}

    def declare(self, tenant_id: str, name: str, kind: AttributeType) -> None:
        item = {"pk": tenant_key(tenant_id, "SCHEMA"), "sk": f"ATTR#{name}", "name": name, "type": kind.value}
        self._db.put_item(TableName=self._table, Item=to_item(item))
        self._cached.pop((tenant_id, "schema"), None)

    def put_list(self, tenant_id: str, contact_list: ContactList) -> None:
        item = {
            **_list_key(tenant_id, contact_list.list_id),
            "list_id": contact_list.list_id,
            "name": contact_list.name,
            "double_opt_in": contact_list.double_opt_in,
            "created_at": iso(contact_list.created_at),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))

    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None:
        row = self._get(_list_key(tenant_id, list_id))
        return _list(row) if row else None

    def delete_list(self, tenant_id: str, list_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=to_item(_list_key(tenant_id, list_id)))

    def lists(self, tenant_id: str, cursor: str | None, limit: int) -> Page[ContactList]:
        rows, after = self._page(tenant_key(tenant_id, "LISTS"), cursor, limit)
        return Page([_list(row) for row in rows], after)

    def put_segment(self, tenant_id: str, segment: StoredSegment) -> None:
        item = {
            **_segment_key(tenant_id, segment.segment_id),
            "segment_id": segment.segment_id,
            "definition": segment.definition.model_dump_json(),
            "created_at": iso(segment.created_at),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))
        self._cached.pop((tenant_id, "segments"), None)

    def get_segment(self, tenant_id: str, segment_id: str) -> StoredSegment | None:
        row = self._get(_segment_key(tenant_id, segment_id))
        return _segment(row) if row else None

    def delete_segment(self, tenant_id: str, segment_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=to_item(_segment_key(tenant_id, segment_id)))
        self._cached.pop((tenant_id, "segments"), None)

    def segments(self, tenant_id: str, cursor: str | None, limit: int) -> Page[StoredSegment]:
        rows, after = self._page(tenant_key(tenant_id, "SEGMENTS"), cursor, limit)
        return Page([_segment(row) for row in rows], after)

    def all_segments(self, tenant_id: str) -> list[StoredSegment]:
        rows = self._cache(tenant_id, "segments", lambda: self._all(tenant_key(tenant_id, "SEGMENTS")))
        return [_segment(row) for row in rows]

    def set_list_members(
        self, tenant_id: str, list_id: str, contact_ids: list[str], member: bool, at: datetime
    ) -> None:
        owner = tenant_key(tenant_id, "LIST", list_id)
        if member:
            batch_write(self._db, self._table, [_member(owner, cid, at, None) for cid in contact_ids])
        else:
            batch_write(self._db, self._table, [], [{"pk": owner, "sk": f"MEMBER#{cid}"} for cid in contact_ids])

    def set_segment_members(self, tenant_id: str, changes: list[tuple[str, str, Membership]], at: datetime) -> None:
        puts, deletes = [], []
        for segment_id, contact_id, membership in changes:
            owner = tenant_key(tenant_id, "SEGMENT", segment_id)
            if membership.matches:
                puts.append(_member(owner, contact_id, at, membership.until))
            else:
                deletes.append({"pk": owner, "sk": f"MEMBER#{contact_id}"})
        batch_write(self._db, self._table, puts, deletes)

    def members(self, tenant_id: str, kind: str, owner_id: str, cursor: str | None, limit: int) -> Page[MemberEntry]:
        rows, after = self._page(tenant_key(tenant_id, kind.upper(), owner_id), cursor, limit)
        return Page([_entry(row) for row in rows], after)

    def directory(self, tenant_id: str, shard: int, cursor: str | None, limit: int) -> Page[Contact]:
        partition = tenant_key(tenant_id, "CONTACTS", str(shard))
        response = self._db.query(
            TableName=self._table,
            IndexName="directory",
            KeyConditionExpression="dir_pk = :p",
            ExpressionAttributeValues=to_item({":p": partition}),
            Limit=limit,
            **_start(cursors.decode(cursor, partition, "dir_pk")),
        )
        contacts = [self._to_contact(from_item(item)) for item in response.get("Items", [])]
        return Page(contacts, cursors.encode(_plain_key(response.get("LastEvaluatedKey"))))

    # plumbing

    def _page(self, partition: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=to_item({":p": partition}),
            Limit=limit,
            **_start(cursors.decode(cursor, partition)),
        )
        rows = [from_item(item) for item in response.get("Items", [])]
        return rows, cursors.encode(_plain_key(response.get("LastEvaluatedKey")))

    def _all(self, partition: str) -> list[dict[str, Any]]:
        rows, cursor = self._page(partition, None, 1000)
        while cursor:
            more, cursor = self._page(partition, cursor, 1000)
            rows += more
        return rows

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        response = self._db.get_item(TableName=self._table, Key=to_item(key), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def _cache(self, tenant_id: str, what: str, load: Any) -> Any:
        cached = self._cached.get((tenant_id, what))
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        value = load()
        self._cached[(tenant_id, what)] = (time.monotonic(), value)
        return value


def _start(key: dict[str, str] | None) -> dict[str, Any]:
    return {"ExclusiveStartKey": to_item(key)} if key else {}


def _plain_key(key: dict[str, Any] | None) -> dict[str, str] | None:
    return {name: str(value) for name, value in from_item(key).items()} if key else None


def _list_key(tenant_id: str, list_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "LISTS"), "sk": f"LIST#{list_id}"}


def _segment_key(tenant_id: str, segment_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "SEGMENTS"), "sk": f"SEGMENT#{segment_id}"}


def _member(owner: str, contact_id: str, at: datetime, until: datetime | None) -> dict[str, Any]:
    return {
        "pk": owner,
        "sk": f"MEMBER#{contact_id}",
        "contact_id": contact_id,
        "since": iso(at),
        "until": until and iso(until),
    }


def _list(row: dict[str, Any]) -> ContactList:
    return ContactList(row["list_id"], row["name"], bool(row["double_opt_in"]), parse_iso(row["created_at"]))


def _segment(row: dict[str, Any]) -> StoredSegment:
    definition = SegmentDefinition.model_validate(json.loads(row["definition"]))
    return StoredSegment(row["segment_id"], definition, parse_iso(row["created_at"]))


def _entry(row: dict[str, Any]) -> MemberEntry:
    until = parse_iso(row["until"]) if row.get("until") else None
    return MemberEntry(row["contact_id"], parse_iso(row["since"]), until)
