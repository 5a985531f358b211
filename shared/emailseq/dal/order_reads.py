"""A send order's three reads (enrollment, sequence status, contact profile) in one BatchGetItem, and a whole SQS
batch's orders read ahead in one.

The step worker needs all three for nearly every order it runs, and a request is the unit both AWS bills (one
round trip instead of three) and the local stack pays for. A stale order reads the status and the profile for
nothing; that is rare (a redelivery) and costs no more than a GetItem each.

What is read ahead is as old as the batch is long when its order runs (seconds at most). That is safe: the
once-only guard and the conditional move of the enrollment hold whatever the read saw, and an unsubscribe or a
pause that lands in that window takes effect with the next order. Each state read ahead is handed out once, so a
second copy of an order in the same batch reads afresh.
"""

from typing import Any

from emailseq.dal.batches import batch_get
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.enrollment_items import KEY, enrollment
from emailseq.dal.items import tenant_key
from emailseq.domain.ports import OrderState

Order = tuple[str, str, str]  # tenant, contact, sequence


class DynamoOrderReads:
    def __init__(self, dynamodb: Any, table: str, contacts: DynamoContactRepository) -> None:
        self._db = dynamodb
        self._table = table
        self._contacts = contacts  # opens the profile's sealed fields
        self._ahead: dict[Order, OrderState] = {}

    def read_ahead(self, orders: list[Order]) -> None:
        self._ahead = self._states(list(dict.fromkeys(orders)))

    def read(self, tenant_id: str, contact_id: str, sequence_id: str) -> OrderState:
        order = (tenant_id, contact_id, sequence_id)
        ahead = self._ahead.pop(order, None)
        return ahead if ahead is not None else self._states([order])[order]

    def _states(self, orders: list[Order]) -> dict[Order, OrderState]:
        if not orders:
            return {}
        keys = {order: _keys(*order) for order in orders}
        wanted = [key for three in keys.values() for key in three]
        rows = {(row["pk"], row["sk"]): row for row in batch_get(self._db, self._table, wanted)}
        return {order: self._state(*(rows.get((k["pk"], k["sk"])) for k in three)) for order, three in keys.items()}

    def _state(
        self, found: dict[str, Any] | None, head: dict[str, Any] | None, profile: dict[str, Any] | None
    ) -> OrderState:
        return OrderState(
            enrollment=enrollment(found) if found is not None else None,
            status=str(head.get("status", "active")) if head is not None else None,
            contact=self._contacts.contact_from_row(profile) if profile is not None else None,
        )


def _keys(tenant_id: str, contact_id: str, sequence_id: str) -> list[dict[str, str]]:
    """The enrollment, the sequence's head (its status), the contact's profile."""
    return [
        KEY(tenant_id, contact_id, sequence_id),
        {"pk": tenant_key(tenant_id, "SEQ", sequence_id), "sk": "HEAD"},
        {"pk": tenant_key(tenant_id, "CONTACT", contact_id), "sk": "PROFILE"},
    ]
