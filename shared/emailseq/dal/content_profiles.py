"""Contacts' content profiles in the single table: sk `CONTENT_PROFILE` in the contact's partition, beside its
`PROFILE` item, whose `interests` attribute (stored in the clear, as every attribute) seeds it.

Each save is conditional on the version it read, so two events for one contact never overwrite each other.
"""

from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, tenant_key, to_item
from emailseq.domain.content import INTERESTS_ATTRIBUTE, ContentProfile

PROFILE_SK = "CONTENT_PROFILE"  # also deleted when the contact is erased (dal/contact_privacy.py)


class DynamoContentProfiles:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def get(self, tenant_id: str, contact_id: str) -> ContentProfile | None:
        key = to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": PROFILE_SK})
        response = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        if "Item" not in response:
            return None
        row = from_item(response["Item"])
        return ContentProfile(
            tenant_id=tenant_id,
            contact_id=contact_id,
            vector=_bytes(row.get("vector")),
            interests_vector=_bytes(row.get("interests_vector")),
            clicked=frozenset(row.get("clicked", [])),
            version=int(row["version"]),
        )

    def save(self, profile: ContentProfile) -> bool:
        item = {
            "pk": tenant_key(profile.tenant_id, "CONTACT", profile.contact_id),
            "sk": PROFILE_SK,
            "vector": profile.vector,
            "interests_vector": profile.interests_vector,
            "clicked": sorted(profile.clicked),
            "version": profile.version + 1,
        }
        if profile.version == 0:
            condition, given = "attribute_not_exists(pk)", {}
        else:
            condition, given = "version = :read", {":read": {"N": str(profile.version)}}
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": given} if given else {}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def interests(self, tenant_id: str, contact_id: str) -> str | None:
        response = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}),
            ProjectionExpression="attributes.#interests",
            ExpressionAttributeNames={"#interests": INTERESTS_ATTRIBUTE},
        )
        value = from_item(response.get("Item", {})).get("attributes", {}).get(INTERESTS_ATTRIBUTE)
        if value is None or isinstance(value, bool):
            return None
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return text.strip() or None


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(getattr(value, "value", value))
