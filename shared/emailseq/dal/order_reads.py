"""A send order's three reads (enrollment, sequence status, contact profile) as one BatchGetItem.

The step worker needs all three for nearly every order it runs, and a request is the unit both AWS bills (one
round trip instead of three) and the local stack pays for. A stale order reads the status and the profile for
nothing; that is rare (a redelivery) and costs no more than a GetItem each.
"""

from typing import Any

from emailseq.dal.batches import batch_get
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollment_items import KEY, enrollment
from emailseq.dal.items import tenant_key
from emailseq.domain.ports import OrderState


class DynamoOrderReads:
    def __init__(self, dynamodb: Any, table: str, contacts: DynamoContactRepository) -> None:
        self._db = dynamodb
        self._table = table
        self._contacts = contacts  # opens the profile's sealed fields

    def read(self, tenant_id: str, contact_id: str, sequence_id: str) -> OrderState:
        keys = [
            KEY(tenant_id, contact_id, sequence_id),
            {"pk": tenant_key(tenant_id, "SEQ", sequence_id), "sk": "HEAD"},
            {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"},
        ]
        rows = {(row["pk"], row["sk"]): row for row in batch_get(self._db, self._table, keys)}
        found, head, profile = (rows.get((k["pk"], k["sk"])) for k in keys)
        return OrderState(
            enrollment=enrollment(found) if found is not None else None,
            status=str(head.get("status", "active")) if head is not None else None,
            contact=self._contacts.contact_from_row(profile) if profile is not None else None,
        )
