"""In-memory fakes of the contacts-work ports (audiences, imports, files, work queue), and the contact
repository's batch methods, honouring the adapters' contracts (see each docstring)."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from emailseq.domain import cursor as cursors
from emailseq.domain.attributes import AttributeSchema, AttributeType
from emailseq.domain.imports import ImportRecord, ImportStatus
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import BackfillPage, Contact, ContactList, ImportChunk, MemberEntry, Page, StoredSegment
from emailseq.domain.segments import DIRECTORY_SHARDS, Membership
from fakes import FakeContactRepository


class FakeContactBatches(FakeContactRepository):
    """upsert_many() is upsert() per row; note_engagement() and set_list_membership() need the contact (None if
    gone, as the adapter's condition)."""

    def upsert_many(self, tenant_id: str, rows: list[ContactData]) -> list[Contact]:
        return [self.upsert(tenant_id, row) for row in rows]

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> list[Contact]:
        return [c for cid in contact_ids if (c := self.get(tenant_id, cid)) is not None]

    def note_engagement(self, tenant_id: str, contact_id: str, kind: str, at: datetime) -> Contact | None:
        return self._change(tenant_id, contact_id, **{f"last_{kind}_at": at})

    def set_list_membership(self, tenant_id: str, contact_id: str, list_id: str, member: bool) -> Contact | None:
        existing = self.get(tenant_id, contact_id)
        if existing is None:
            return None
        lists = existing.lists | {list_id} if member else existing.lists - {list_id}
        return self._change(tenant_id, contact_id, lists=lists)

    def _change(self, tenant_id: str, contact_id: str, **given: Any) -> Contact | None:
        existing = self.get(tenant_id, contact_id)
        if existing is None:
            return None
        self.contacts[(tenant_id, contact_id)] = replace(existing, **given)
        return self.contacts[(tenant_id, contact_id)]


class FakeAudienceStore:
    """Schema, lists, segments and members in dicts; pages are slices in key order with the adapter's cursors."""

    def __init__(self, contacts: FakeContactBatches) -> None:
        self._contacts = contacts
        self.attribute_types: dict[tuple[str, str], AttributeType] = {}
        self.saved_lists: dict[tuple[str, str], ContactList] = {}
        self.saved_segments: dict[tuple[str, str], StoredSegment] = {}
        self.memberships: dict[tuple[str, str, str, str], MemberEntry] = {}  # (tenant, kind, owner, contact)

    def schema(self, tenant_id: str) -> AttributeSchema:
        return {name: kind for (tenant, name), kind in self.attribute_types.items() if tenant == tenant_id}

    def declare(self, tenant_id: str, name: str, kind: AttributeType) -> None:
        self.attribute_types[(tenant_id, name)] = kind

    def put_list(self, tenant_id: str, contact_list: ContactList) -> None:
        self.saved_lists[(tenant_id, contact_list.list_id)] = contact_list

    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None:
        return self.saved_lists.get((tenant_id, list_id))

    def delete_list(self, tenant_id: str, list_id: str) -> None:
        self.saved_lists.pop((tenant_id, list_id), None)

    def lists(self, tenant_id: str, cursor: str | None, limit: int) -> Page[ContactList]:
        found = {k: v for (t, k), v in self.saved_lists.items() if t == tenant_id}
        return _page(found, f"{tenant_id}/lists", cursor, limit)

    def put_segment(self, tenant_id: str, segment: StoredSegment) -> None:
        self.saved_segments[(tenant_id, segment.segment_id)] = segment

    def get_segment(self, tenant_id: str, segment_id: str) -> StoredSegment | None:
        return self.saved_segments.get((tenant_id, segment_id))

    def delete_segment(self, tenant_id: str, segment_id: str) -> None:
        self.saved_segments.pop((tenant_id, segment_id), None)

    def segments(self, tenant_id: str, cursor: str | None, limit: int) -> Page[StoredSegment]:
        found = {k: v for (t, k), v in self.saved_segments.items() if t == tenant_id}
        return _page(found, f"{tenant_id}/segments", cursor, limit)

    def all_segments(self, tenant_id: str) -> list[StoredSegment]:
        return [s for (t, _), s in sorted(self.saved_segments.items()) if t == tenant_id]

    def set_list_members(
        self, tenant_id: str, list_id: str, contact_ids: list[str], member: bool, at: datetime
    ) -> None:
        for cid in contact_ids:
            self._set((tenant_id, "list", list_id, cid), MemberEntry(cid, at) if member else None)

    def set_segment_members(self, tenant_id: str, changes: list[tuple[str, str, Membership]], at: datetime) -> None:
        for segment_id, cid, membership in changes:
            entry = MemberEntry(cid, at, membership.until) if membership.matches else None
            self._set((tenant_id, "segment", segment_id, cid), entry)

    def members(self, tenant_id: str, kind: str, owner_id: str, cursor: str | None, limit: int) -> Page[MemberEntry]:
        found = {k[3]: v for k, v in self.memberships.items() if k[:3] == (tenant_id, kind, owner_id)}
        return _page(found, f"{tenant_id}/{kind}/{owner_id}", cursor, limit)

    def directory(self, tenant_id: str, shard: int, cursor: str | None, limit: int) -> Page[Contact]:
        found = {
            cid: c
            for (t, cid), c in self._contacts.contacts.items()
            if t == tenant_id and sum(cid.encode()) % DIRECTORY_SHARDS == shard
        }
        return _page(found, f"{tenant_id}/directory/{shard}", cursor, limit)

    def _set(self, key: tuple[str, str, str, str], entry: MemberEntry | None) -> None:
        if entry is None:
            self.memberships.pop(key, None)
        else:
            self.memberships[key] = entry


def _page[T](found: dict[str, T], partition: str, cursor: str | None, limit: int) -> Page[T]:
    start = cursors.decode(cursor, partition)
    keys = sorted(k for k in found if start is None or k > start["sk"])
    taken = keys[:limit]
    more = len(keys) > limit
    return Page([found[k] for k in taken], cursors.encode({"pk": partition, "sk": taken[-1]}) if more else None)


class FakeImportStore:
    """Import records; complete_chunk() counts a chunk index once (None on a repeat), as the adapter's marker."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ImportRecord] = {}
        self.counted: set[tuple[str, str, int]] = set()

    def create(self, record: ImportRecord) -> None:
        self.records[(record.tenant_id, record.import_id)] = record

    def get(self, tenant_id: str, import_id: str) -> ImportRecord | None:
        return self.records.get((tenant_id, import_id))

    def begin(self, tenant_id: str, import_id: str, total: int, chunks: int, columns: list[str]) -> bool:
        record = self.records[(tenant_id, import_id)]
        if record.status != ImportStatus.WAITING:
            return False
        self.records[(tenant_id, import_id)] = replace(
            record, status=ImportStatus.RUNNING, total=total, chunks=chunks, columns=columns
        )
        return True

    def complete_chunk(self, chunk: ImportChunk, good: int, bad: int) -> ImportRecord | None:
        marker = (chunk.tenant_id, chunk.import_id, chunk.index)
        if marker in self.counted:
            return None
        self.counted.add(marker)
        key = (chunk.tenant_id, chunk.import_id)
        record = self.records[key]
        self.records[key] = replace(
            record, done=record.done + good + bad, good=record.good + good, bad=record.bad + bad
        )
        return self.records[key]

    def finish(self, tenant_id: str, import_id: str, status: ImportStatus, reason: str | None, report: bool) -> None:
        key = (tenant_id, import_id)
        self.records[key] = replace(self.records[key], status=status, reason=reason, has_report=report)


class FakeImportFiles:
    """Objects as bytes by key; lines() from a byte offset keeps line endings, as the S3 adapter's."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def upload_url(self, key: str, expires_seconds: int) -> str:
        return f"https://bucket.example/{key}?put&expires={expires_seconds}"

    def download_url(self, key: str, expires_seconds: int) -> str:
        return f"https://bucket.example/{key}?get&expires={expires_seconds}"

    def lines(self, key: str, offset: int = 0) -> Any:
        return iter(self.objects[key][offset:].splitlines(keepends=True))

    def put_text(self, key: str, text: str) -> None:
        self.objects[key] = text.encode()

    def texts(self, prefix: str) -> list[str]:
        return [self.objects[k].decode() for k in sorted(self.objects) if k.startswith(prefix)]


class FakeWorkQueue:
    def __init__(self) -> None:
        self.orders: list[ImportChunk | BackfillPage] = []

    def send(self, orders: list[ImportChunk | BackfillPage]) -> None:
        self.orders += orders

    def take(self) -> list[ImportChunk | BackfillPage]:
        taken, self.orders = self.orders, []
        return taken
