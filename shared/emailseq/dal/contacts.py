"""Contacts: a profile item per contact and an email → contact pointer, both keyed under the tenant.

At rest the address and names are sealed (AES-256-GCM, emailseq.crypto.envelope) under the tenant's data key, and
the pointer is keyed by the address's blind index (HMAC), so a table dump holds no plaintext address or name.
An erased contact's pointer stays behind as a tombstone (blind index + erased_at, nothing else): a later event
for the same address makes a new, empty contact that starts suppressed (see docs/privacy.md).
"""

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.crypto.blind_index import blind_index
from emailseq.crypto.envelope import key_version, open_sealed, seal
from emailseq.crypto.keys import TenantKeys
from emailseq.dal.batches import batch_get, batch_write
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.dal.items import from_item, iso, parse_iso, sealed_record, tenant_key, to_item, values
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import Contact
from emailseq.domain.segments import DIRECTORY_SHARDS

_PROFILE_FIELDS = ("first_name", "last_name", "timezone")
SEALED = ("email", "first_name", "last_name")  # stored as `<name>_sealed` records, never as text
_ERASED = "erased"  # unsubscribe_source of a contact made again for an erased address


def _sealed(keys: TenantKeys, contact_id: str, name: str, value: str | None) -> dict[str, Any] | None:
    return seal(keys, contact_id, name, value) if value is not None else None


def _profile_item(
    keys: TenantKeys, contact_id: str, data: ContactData, email_index: str, erased_at: str | None = None
) -> dict[str, Any]:
    """A new contact's profile item, its PII sealed. `erased_at`: the address was erased before (suppressed)."""
    item = {
        "pk": tenant_key(keys.tenant_id, "CONTACT", contact_id),
        "sk": "PROFILE",
        "tenant_id": keys.tenant_id,
        "contact_id": contact_id,
        "email_index": email_index,
        "timezone": data.timezone,
        "attributes": {k: v for k, v in data.attributes.items() if v is not None},
        # its entry in the `directory` index: the tenant's contacts, sharded (segment backfills Query it)
        "dir_pk": directory_partition(keys.tenant_id, contact_id),
        "dir_sk": contact_id,
    }
    for name in SEALED:
        item[f"{name}_sealed"] = _sealed(keys, contact_id, name, getattr(data, name))
    if erased_at is not None:
        item |= {"unsubscribed_at": erased_at, "unsubscribe_source": _ERASED}
    return item


def _pointer_item(tenant_id: str, email_index: str, contact_id: str) -> dict[str, Any]:
    """The email → contact pointer, keyed by the blind index (the address itself is never a key)."""
    return {"pk": tenant_key(tenant_id, "EMAIL", email_index), "sk": "CONTACT", "contact_id": contact_id}


def directory_partition(tenant_id: str, contact_id: str) -> str:
    return tenant_key(tenant_id, "CONTACTS", str(int(contact_id[:8], 16) % DIRECTORY_SHARDS))


class DynamoContactRepository:
    def __init__(self, dynamodb: Any, table: str, keys: DynamoDataKeys) -> None:
        self._db = dynamodb
        self._table = table
        self._keys = keys

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        pointer = self._pointer(tenant_id, self._index(tenant_id, email))
        if pointer is None or "contact_id" not in pointer:
            return None  # never seen, or erased (a tombstone)
        return self.get(tenant_id, pointer["contact_id"])

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        row = self.profile_row(tenant_id, contact_id)
        return self._contact(row) if row is not None else None

    def upsert(self, tenant_id: str, data: ContactData) -> Contact:
        index = self._index(tenant_id, data.email)
        pointer = self._pointer(tenant_id, index)
        if pointer is not None and "contact_id" in pointer:
            found = self.get(tenant_id, pointer["contact_id"])
            if found is not None:
                return self._update(found, data)
        erased_at = pointer.get("erased_at") if pointer else None
        return self._create(tenant_id, data, index, erased_at)

    def upsert_many(self, tenant_id: str, rows: list[ContactData]) -> list[Contact]:
        """Create or update many contacts (an import chunk): the pointers read in batches, new contacts written
        in batches; existing ones updated one by one so nothing they hold (an unsubscribe, counts) is lost.

        A new address is written without the pointer's condition (BatchWriteItem has none): an event creating
        the same address at the same moment may leave a second profile, which the pointer no longer names.
        An erased address (a tombstone pointer) comes back as a new contact that starts suppressed, as upsert().
        """
        merged = _merge_by_email(rows)
        indexes = {email: self._index(tenant_id, email) for email in merged}
        keys = [{"pk": tenant_key(tenant_id, "EMAIL", index), "sk": "CONTACT"} for index in indexes.values()]
        pointers = {row["pk"]: row for row in batch_get(self._db, self._table, keys)}
        fresh: list[dict[str, Any]] = []
        contacts: list[Contact] = []
        current = self._keys.current(tenant_id)
        for email, data in merged.items():
            pointer = pointers.get(tenant_key(tenant_id, "EMAIL", indexes[email]), {})
            if "contact_id" in pointer:
                contacts.append(self._update(Contact(tenant_id, pointer["contact_id"], email), data, always_read=True))
                continue
            contact_id = uuid.uuid4().hex
            profile = _profile_item(current, contact_id, data, indexes[email], pointer.get("erased_at"))
            fresh += [profile, _pointer_item(tenant_id, indexes[email], contact_id)]
            contacts.append(self._contact(profile))
        batch_write(self._db, self._table, fresh)
        return contacts

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> list[Contact]:
        keys = [{"pk": tenant_key(tenant_id, "CONTACT", cid), "sk": "PROFILE"} for cid in contact_ids]
        found = {row["contact_id"]: self._contact(row) for row in batch_get(self._db, self._table, keys)}
        return [found[cid] for cid in contact_ids if cid in found]

    def note_engagement(self, tenant_id: str, contact_id: str, kind: str, at: datetime) -> Contact | None:
        """Remember the latest open or click (`kind`) on the profile, for engagement segments."""
        return self._set_profile(tenant_id, contact_id, f"SET last_{kind}_at = :at", {":at": iso(at)})

    def set_list_membership(self, tenant_id: str, contact_id: str, list_id: str, member: bool) -> Contact | None:
        action = "ADD" if member else "DELETE"
        return self._set_profile(tenant_id, contact_id, f"{action} lists :l", {":l": {list_id}})

    def _set_profile(self, tenant_id: str, contact_id: str, update: str, given: dict[str, Any]) -> Contact | None:
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
                UpdateExpression=update,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values(given),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None  # erased meanwhile
            raise
        return self._contact(from_item(response["Attributes"]))

    def set_attributes(self, tenant_id: str, contact_id: str, given: dict[str, Any]) -> None:
        names = {f"#a{i}": name for i, name in enumerate(given)}
        self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
            UpdateExpression="SET " + ", ".join(f"attributes.#a{i} = :a{i}" for i in range(len(given))),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values({f":a{i}": value for i, value in enumerate(given.values())}),
        )

    def unsubscribe(self, tenant_id: str, contact_id: str, at: datetime, source: str) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
                UpdateExpression="SET unsubscribed_at = :at, unsubscribe_source = :source",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(unsubscribed_at)",
                ExpressionAttributeValues=values({":at": iso(at), ":source": source}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def count_soft_bounce(self, tenant_id: str, contact_id: str) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
                UpdateExpression="ADD soft_bounces :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values({":one": 1}),
            )
        except ClientError as error:
            # A contact erased meanwhile: nothing to count (as unsubscribe() does, quietly).
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # internals

    def _index(self, tenant_id: str, email: str) -> str:
        return blind_index(self._keys.index_key(tenant_id), email)

    def _pointer(self, tenant_id: str, index: str) -> dict[str, Any] | None:
        key = {"pk": tenant_key(tenant_id, "EMAIL", index), "sk": "CONTACT"}
        response = self._db.get_item(TableName=self._table, Key=to_item(key), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def profile_row(self, tenant_id: str, contact_id: str) -> dict[str, Any] | None:
        """The stored profile item (PII still sealed), or None."""
        response = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
            ConsistentRead=True,
        )
        return from_item(response["Item"]) if "Item" in response else None

    def _create(self, tenant_id: str, data: ContactData, index: str, erased_at: str | None) -> Contact:
        contact_id = uuid.uuid4().hex
        profile = _profile_item(self._keys.current(tenant_id), contact_id, data, index, erased_at)
        # A tombstone may be replaced (the address comes back after an erasure), a live pointer never.
        condition = "attribute_not_exists(pk) OR attribute_exists(erased_at)"
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(_pointer_item(tenant_id, index, contact_id)),
                            "ConditionExpression": condition,
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": to_item(profile)}},
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            # Another event for the same address created it first: use theirs.
            winner = self.find_by_email(tenant_id, data.email)
            if winner is None:
                raise
            return self._update(winner, data)
        return replace(self._contact(profile), created_now=True)

    def _update(self, contact: Contact, data: ContactData, always_read: bool = False) -> Contact:
        keys = self._keys.current(contact.tenant_id)
        assignments, names, given = [], {}, {}
        for index, name in enumerate(_PROFILE_FIELDS):
            value = getattr(data, name)
            if value is not None:
                stored_as = f"{name}_sealed" if name in SEALED else name
                assignments.append(f"#f{index} = :f{index}")
                names[f"#f{index}"] = stored_as
                given[f":f{index}"] = seal(keys, contact.contact_id, name, value) if name in SEALED else value
        for index, (name, value) in enumerate(data.attributes.items()):
            assignments.append(f"attributes.#a{index} = :a{index}")
            names[f"#a{index}"], given[f":a{index}"] = name, value
        if not assignments:
            return (self.get(contact.tenant_id, contact.contact_id) or contact) if always_read else contact
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": tenant_key(contact.tenant_id, "CONTACT", contact.contact_id), "sk": "PROFILE"}),
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression="attribute_exists(pk)",  # never revive an erased profile with a partial item
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values(given),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return self._recreate_erased(contact.tenant_id, data)
        return self._contact(from_item(response["Attributes"]))

    def _recreate_erased(self, tenant_id: str, data: ContactData) -> Contact:
        """The contact was erased while this event was on its way: it starts afresh (suppressed), never revived."""
        index = self._index(tenant_id, data.email)
        pointer = self._pointer(tenant_id, index) or {}
        if "erased_at" not in pointer:
            raise LookupError(f"contact profile missing for pointer {index[:8]}…")
        return self._create(tenant_id, data, index, pointer["erased_at"])

    def open_field(self, row: dict[str, Any], name: str) -> str | None:
        """A sealed field of a profile item, opened with the key version its record names."""
        record = row.get(f"{name}_sealed")
        if record is None:
            return None
        keys = self._keys.version(row["tenant_id"], key_version(record))
        return open_sealed(keys, row["contact_id"], name, sealed_record(record))

    def contact_from_row(self, row: dict[str, Any]) -> Contact:
        """A profile item read elsewhere (the `directory` index) as a contact, its PII opened."""
        return self._contact(row)

    def _contact(self, row: dict[str, Any]) -> Contact:
        return Contact(
            tenant_id=row["tenant_id"],
            contact_id=row["contact_id"],
            email=self.open_field(row, "email") or "",
            first_name=self.open_field(row, "first_name"),
            last_name=self.open_field(row, "last_name"),
            timezone=row.get("timezone"),
            attributes=dict(row.get("attributes", {})),
            unsubscribed=bool(row.get("unsubscribed_at")),
            lists=frozenset(row.get("lists", ())),
            last_opened_at=parse_iso(row["last_opened_at"]) if row.get("last_opened_at") else None,
            last_clicked_at=parse_iso(row["last_clicked_at"]) if row.get("last_clicked_at") else None,
        )


def _merge_by_email(rows: list[ContactData]) -> dict[str, ContactData]:
    """One change per address (BatchWriteItem refuses two writes of one key): later rows win field by field."""
    merged: dict[str, ContactData] = {}
    for row in rows:
        before = merged.get(row.email)
        if before is None:
            merged[row.email] = row
            continue
        given = row.model_dump(exclude_none=True, exclude={"attributes"})
        attributes = {**before.attributes, **row.attributes}
        merged[row.email] = before.model_copy(update={**given, "attributes": attributes})
    return merged
