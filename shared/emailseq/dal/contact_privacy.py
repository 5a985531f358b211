"""GDPR on the contacts' items: export a profile opened, erase it down to a tombstone of the blind index."""

from datetime import datetime
from typing import Any

from emailseq.dal.contacts import SEALED, DynamoContactRepository
from emailseq.dal.content_profiles import PROFILE_SK as CONTENT_PROFILE_SK
from emailseq.dal.items import iso, tenant_key, to_item

_STORAGE_ONLY = {"pk", "sk", "email_index", *(f"{name}_sealed" for name in SEALED)}


class DynamoContactPrivacy:
    def __init__(self, contacts: DynamoContactRepository, dynamodb: Any, table: str) -> None:
        self._contacts = contacts
        self._db = dynamodb
        self._table = table

    def export(self, tenant_id: str, contact_id: str) -> dict[str, Any] | None:
        """Everything the profile holds, opened: PII, attributes, consent and bounce state."""
        row = self._contacts.profile_row(tenant_id, contact_id)
        if row is None:
            return None
        held = {name: value for name, value in row.items() if name not in _STORAGE_ONLY}
        return held | {name: self._contacts.open_field(row, name) for name in SEALED}

    def erase(self, tenant_id: str, contact_id: str, at: datetime) -> bool:
        """Delete the profile (its sealed PII and attributes) and leave only a tombstone of the blind index, so a
        later event for the address makes a new, suppressed contact instead of finding the old one."""
        row = self._contacts.profile_row(tenant_id, contact_id)
        if row is None:
            return False
        tombstone = {"pk": tenant_key(tenant_id, "EMAIL", row["email_index"]), "sk": "CONTACT", "erased_at": iso(at)}
        profile_key = {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"}
        # The content profile is derived from the contact's interests and clicks: it goes with the profile.
        content_key = {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": CONTENT_PROFILE_SK}
        self._db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": to_item(profile_key)}},
                {"Delete": {"TableName": self._table, "Key": to_item(content_key)}},
                {"Put": {"TableName": self._table, "Item": to_item(tombstone)}},
            ]
        )
        return True
