"""DynamoDB item plumbing shared by the repositories: keys, (de)serialising, time formats."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(_plain(value)) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _native(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def values(mapping: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain Python values."""
    return {key: _SERIALIZER.serialize(_plain(value)) for key, value in mapping.items()}


def iso(moment: datetime) -> str:
    """Sortable UTC timestamp with milliseconds: the form every stored time takes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tenant_key(tenant_id: str, *parts: str) -> str:
    """Every partition key starts with the tenant, so no key can address another tenant's data."""
    return "#".join(("TENANT", tenant_id, *parts))


def sealed_record(stored: dict[str, Any]) -> dict[str, Any]:
    """A sealed field as read back (its nonce and ciphertext come as boto3 `Binary`), as the envelope opens it."""
    return {**stored, "n": _bytes(stored["n"]), "c": _bytes(stored["c"])}


def _bytes(value: Any) -> bytes:
    return bytes(getattr(value, "value", value))


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _native(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value
