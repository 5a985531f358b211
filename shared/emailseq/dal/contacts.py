"""Contacts: a profile item per contact and an email → contact pointer, both keyed under the tenant.

At rest the address and names are sealed (AES-256-GCM, emailseq.crypto.envelope) under the tenant's data key, and
the pointer is keyed by the address's blind index (HMAC), so a table dump holds no plaintext address or name.
An erased contact's pointer stays behind as a tombstone (blind index + erased_at, nothing else): a later event
for the same address makes a new, empty contact that starts suppressed (see docs/privacy.md).
"""

import uuid
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.crypto.blind_index import blind_index
from emailseq.crypto.envelope import key_version, open_sealed, seal
from emailseq.crypto.keys import TenantKeys
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.dal.items import from_item, iso, tenant_key, to_item, values
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import Contact

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
        "attributes": dict(data.attributes),
    }
    for name in SEALED:
        item[f"{name}_sealed"] = _sealed(keys, contact_id, name, getattr(data, name))
    if erased_at is not None:
        item |= {"unsubscribed_at": erased_at, "unsubscribe_source": _ERASED}
    return item


def _pointer_item(tenant_id: str, email_index: str, contact_id: str) -> dict[str, Any]:
    """The email → contact pointer, keyed by the blind index (the address itself is never a key)."""
    return {"pk": tenant_key(tenant_id, "EMAIL", email_index), "sk": "CONTACT", "contact_id": contact_id}


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
        return self._contact(profile)

    def _update(self, contact: Contact, data: ContactData) -> Contact:
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
            return contact
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
        return open_sealed(keys, row["contact_id"], name, {**record, "n": _raw(record["n"]), "c": _raw(record["c"])})

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
        )


def _raw(value: Any) -> bytes:
    return bytes(getattr(value, "value", value))
