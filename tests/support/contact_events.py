"""Contact events as the API publishes them (the `detail` of the EventBridge envelope), for the engine's tests."""

from typing import Any


def signed_up(first_name: str, tenant_id: str = "t1") -> dict[str, Any]:
    """`first_name` signs up (the welcome sequence's trigger), as <first_name>@example.com."""
    return {
        "tenant_id": tenant_id,
        "id": f"evt-{first_name.lower()}",
        "type": "signed_up",
        "contact": {"email": f"{first_name.lower()}@example.com", "first_name": first_name},
        "properties": {},
        "occurred_at": "2024-03-13T15:23:48.271000Z",
    }
