"""Contacts: a profile item per contact and an email → contact pointer, both keyed under the tenant."""

import uuid
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.batches import batch_get, batch_write
from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import Contact
from emailseq.domain.segments import DIRECTORY_SHARDS

_PROFILE_FIELDS = ("first_name", "last_name", "timezone")


class DynamoContactRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        pointer = self._db.get_item(TableName=self._table, Key=to_item(_pointer_key(tenant_id, email)))
        if "Item" not in pointer:
            return None
        return self.get(tenant_id, from_item(pointer["Item"])["contact_id"])

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        response = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
            ConsistentRead=True,
        )
        return _contact(from_item(response["Item"])) if "Item" in response else None

    def upsert(self, tenant_id: str, data: ContactData) -> Contact:
        existing = self.find_by_email(tenant_id, data.email) or self._create(tenant_id, data)
        return self._update(existing, data)

    def upsert_many(self, tenant_id: str, rows: list[ContactData]) -> list[Contact]:
        """Create or update many contacts (an import chunk): the pointers read in batches, new contacts written
        in batches; existing ones updated one by one so nothing they hold (an unsubscribe, counts) is lost.

        A new address is written without the pointer's condition (BatchWriteItem has none): an event creating
        the same address at the same moment may leave a second profile, which the pointer no longer names.
        """
        merged = _merge_by_email(rows)
        pointers = batch_get(self._db, self._table, [_pointer_key(tenant_id, email) for email in merged])
        existing = {row["pk"]: row["contact_id"] for row in pointers}
        fresh: list[tuple[dict[str, Any], dict[str, Any]]] = []
        contacts: list[Contact] = []
        for email, data in merged.items():
            contact_id = existing.get(_pointer_key(tenant_id, email)["pk"])
            if contact_id is None:
                contact_id = uuid.uuid4().hex
                fresh.append((_profile_item(tenant_id, contact_id, data), _pointer_item(tenant_id, email, contact_id)))
                contacts.append(_contact(fresh[-1][0]))
            else:
                contacts.append(self._update(Contact(tenant_id, contact_id, email), data, always_read=True))
        batch_write(self._db, self._table, [item for pair in fresh for item in pair])
        return contacts

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> list[Contact]:
        keys = [{"pk": tenant_key(tenant_id, "CONTACT", cid), "sk": "PROFILE"} for cid in contact_ids]
        found = {row["contact_id"]: _contact(row) for row in batch_get(self._db, self._table, keys)}
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
        return _contact(from_item(response["Attributes"]))

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

    def _create(self, tenant_id: str, data: ContactData) -> Contact:
        contact_id = uuid.uuid4().hex
        profile = _profile_item(tenant_id, contact_id, ContactData(email=data.email))
        pointer = _pointer_item(tenant_id, data.email, contact_id)
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(pointer),
                            "ConditionExpression": "attribute_not_exists(pk)",
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
            return winner
        return _contact(profile)

    def _update(self, contact: Contact, data: ContactData, always_read: bool = False) -> Contact:
        assignments, names, given = [], {}, {}
        for index, name in enumerate(_PROFILE_FIELDS):
            if getattr(data, name) is not None:
                assignments.append(f"#f{index} = :f{index}")
                names[f"#f{index}"], given[f":f{index}"] = name, getattr(data, name)
        for index, (name, value) in enumerate(data.attributes.items()):
            assignments.append(f"attributes.#a{index} = :a{index}")
            names[f"#a{index}"], given[f":a{index}"] = name, value
        if not assignments:
            return (self.get(contact.tenant_id, contact.contact_id) or contact) if always_read else contact
        response = self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(contact.tenant_id, "CONTACT", contact.contact_id), "sk": "PROFILE"}),
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values(given),
            ReturnValues="ALL_NEW",
        )
        return _contact(from_item(response["Attributes"]))


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


def _pointer_key(tenant_id: str, email: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "EMAIL", email.lower()), "sk": "CONTACT"}


def _pointer_item(tenant_id: str, email: str, contact_id: str) -> dict[str, Any]:
    """The email → contact pointer (what makes an address unique within the tenant)."""
    return {**_pointer_key(tenant_id, email), "contact_id": contact_id}


def _profile_item(tenant_id: str, contact_id: str, data: ContactData) -> dict[str, Any]:
    """A new contact's profile, with its entry in the `directory` index (the tenant's contacts, sharded)."""
    fields = {name: getattr(data, name) for name in _PROFILE_FIELDS}
    return {
        "pk": tenant_key(tenant_id, "CONTACT", contact_id),
        "sk": "PROFILE",
        "tenant_id": tenant_id,
        "contact_id": contact_id,
        "email": data.email,
        **fields,
        "attributes": {k: v for k, v in data.attributes.items() if v is not None},
        "dir_pk": directory_partition(tenant_id, contact_id),
        "dir_sk": contact_id,
    }


def directory_partition(tenant_id: str, contact_id: str) -> str:
    return tenant_key(tenant_id, "CONTACTS", str(int(contact_id[:8], 16) % DIRECTORY_SHARDS))


def _contact(row: dict[str, Any]) -> Contact:
    return Contact(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        email=row["email"],
        first_name=row.get("first_name"),
        last_name=row.get("last_name"),
        timezone=row.get("timezone"),
        attributes=dict(row.get("attributes", {})),
        unsubscribed=bool(row.get("unsubscribed_at")),
        lists=frozenset(row.get("lists", ())),
        last_opened_at=parse_iso(row["last_opened_at"]) if row.get("last_opened_at") else None,
        last_clicked_at=parse_iso(row["last_clicked_at"]) if row.get("last_clicked_at") else None,
    )


def contact_from_item(row: dict[str, Any]) -> Contact:
    """A profile item as read from elsewhere (the `directory` index) into a contact."""
    return _contact(row)
