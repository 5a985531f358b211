"""Contacts: a profile item per contact and an email → contact pointer, both keyed under the tenant."""

import uuid
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, iso, tenant_key, to_item, values
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import Contact

_PROFILE_FIELDS = ("first_name", "last_name", "timezone")


class DynamoContactRepository:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        pointer = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(tenant_id, "EMAIL", email.lower()), "sk": "CONTACT"}),
        )
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
        profile = {
            "pk": tenant_key(tenant_id, "CONTACT", contact_id),
            "sk": "PROFILE",
            "tenant_id": tenant_id,
            "contact_id": contact_id,
            "email": data.email,
            "attributes": {},
        }
        pointer = {
            "pk": tenant_key(tenant_id, "EMAIL", data.email),
            "sk": "CONTACT",
            "contact_id": contact_id,
        }
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

    def _update(self, contact: Contact, data: ContactData) -> Contact:
        assignments, names, given = [], {}, {}
        for index, name in enumerate(_PROFILE_FIELDS):
            if getattr(data, name) is not None:
                assignments.append(f"#f{index} = :f{index}")
                names[f"#f{index}"], given[f":f{index}"] = name, getattr(data, name)
        for index, (name, value) in enumerate(data.attributes.items()):
            assignments.append(f"attributes.#a{index} = :a{index}")
            names[f"#a{index}"], given[f":a{index}"] = name, value
        if not assignments:
            return contact
        response = self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(contact.tenant_id, "CONTACT", contact.contact_id), "sk": "PROFILE"}),
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values(given),
            ReturnValues="ALL_NEW",
        )
        return _contact(from_item(response["Attributes"]))


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
    )
