"""The tenant's attribute schema: declared attributes have a type their values must have; others pass as given.

Values arrive either typed (JSON events) or as text (CSV cells); both go through `coerce`, which answers the
stored value or raises InvalidInput naming the attribute. Datetimes are stored as ISO 8601 UTC text, so they
compare in order as strings and as times.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from emailseq.domain.errors import InvalidInput

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


class AttributeType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"


AttributeSchema = dict[str, AttributeType]


def coerce(name: str, kind: AttributeType, value: Any) -> Any:
    """`value` as the declared type (text is parsed); None passes (it clears the attribute)."""
    if value is None:
        return None
    try:
        return _CONVERTERS[kind](value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(name, f"must be a {kind.value}: {error}") from None


def coerce_all(schema: AttributeSchema, given: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every declared attribute in `given` checked and converted; undeclared ones unchanged."""
    return {
        name: coerce(prefix + name, schema[name], value) if name in schema else value for name, value in given.items()
    }


def _string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"got {type(value).__name__}")
    return str(value)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("got a boolean")
    try:
        number = float(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise ValueError(f"got {value!r}") from None
    if not isinstance(number, int | float) or number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"got {value!r}")
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"got {value!r} (true/false, yes/no, 1/0)")


def _datetime(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"got {type(value).__name__}, an ISO 8601 text is needed")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # a naive time is taken as UTC
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


_CONVERTERS = {
    AttributeType.STRING: _string,
    AttributeType.NUMBER: _number,
    AttributeType.BOOLEAN: _boolean,
    AttributeType.DATETIME: _datetime,
}
