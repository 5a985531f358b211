"""Consent records (double opt-in), one item per contact and list, under the contact's partition."""

from typing import Any

from botocore.exceptions import ClientError

from emailseq.dal.items import from_item, iso, parse_iso, tenant_key, to_item, values
from emailseq.domain.consent import Consent


class DynamoConsentStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def request(self, consent: Consent) -> Consent:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item({**_key(consent.tenant_id, consent.contact_id, consent.list_id), **_fields(consent)}),
                ConditionExpression="attribute_not_exists(pk) OR #s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values({":pending": "pending"}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            confirmed = self.get(consent.tenant_id, consent.contact_id, consent.list_id)
            if confirmed is None:  # erased between the two calls: nothing is consented to
                raise
            return confirmed
        return consent

    def get(self, tenant_id: str, contact_id: str, list_id: str) -> Consent | None:
        response = self._db.get_item(
            TableName=self._table, Key=to_item(_key(tenant_id, contact_id, list_id)), ConsistentRead=True
        )
        return _consent(from_item(response["Item"])) if "Item" in response else None

    def confirm(self, confirmed: Consent) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {**_key(confirmed.tenant_id, confirmed.contact_id, confirmed.list_id), **_fields(confirmed)}
                ),
                ConditionExpression="#s = :pending AND requested_at = :requested",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values({":pending": "pending", ":requested": iso(confirmed.requested_at)}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _key(tenant_id: str, contact_id: str, list_id: str) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": f"CONSENT#{list_id}"}


def _fields(consent: Consent) -> dict[str, Any]:
    return {
        "tenant_id": consent.tenant_id,
        "contact_id": consent.contact_id,
        "list_id": consent.list_id,
        "status": consent.status,
        "requested_at": iso(consent.requested_at),
        "source": consent.source,
        "confirmed_at": iso(consent.confirmed_at) if consent.confirmed_at else None,
        "confirmed_ip": consent.confirmed_ip,
        "confirmed_user_agent": consent.confirmed_user_agent,
    }


def _consent(row: dict[str, Any]) -> Consent:
    confirmed_at = row.get("confirmed_at")
    return Consent(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        list_id=row["list_id"],
        status=row["status"],
        requested_at=parse_iso(row["requested_at"]),
        source=row["source"],
        confirmed_at=parse_iso(confirmed_at) if confirmed_at else None,
        confirmed_ip=row.get("confirmed_ip"),
        confirmed_user_agent=row.get("confirmed_user_agent"),
    )
