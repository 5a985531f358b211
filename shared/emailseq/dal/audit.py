"""The audit log of actions on personal data: one item per action under the tenant, never expiring, no PII."""

from typing import Any

from emailseq.dal.items import iso, tenant_key, to_item
from emailseq.domain.ports import AuditEntry


class DynamoAuditLog:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def record(self, entry: AuditEntry) -> None:
        item = {
            "pk": tenant_key(entry.tenant_id, "AUDIT"),
            "sk": f"{iso(entry.at)}#{entry.action}#{entry.contact_id}",
            "tenant_id": entry.tenant_id,
            "action": entry.action,
            "contact_id": entry.contact_id,
            "actor": entry.actor,
            "at": iso(entry.at),
            "details": entry.details,
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))
