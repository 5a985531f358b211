"""Dynamic segments: conditions on a contact's attributes and engagement, and their evaluation (pure).

A segment is re-evaluated for one contact whenever that contact's data changes (an attribute upsert, an import
row, an open or click, a list membership). "Opened within N days" also stops holding as time passes with no
change at all, so an evaluation answers *until when* a match holds: membership is stored with that time and a
member past it is not listed. No nightly rebuild is needed for either kind.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emailseq.domain.messages import AttributeName
from emailseq.domain.steps import Scalar

if TYPE_CHECKING:  # ports names the segment types; evaluation only reads a contact's fields
    from emailseq.domain.ports import Contact

DIRECTORY_SHARDS = 8  # a tenant's contacts are spread over this many partitions of the `directory` index
SegmentId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeCondition(_Rule):
    attribute: AttributeName
    op: Literal["eq", "ne", "gt", "lt", "exists", "in"]
    value: Scalar | list[Scalar] | None = None


class EngagementCondition(_Rule):
    engagement: Literal["opened", "clicked"]  # any email of any sequence
    within_days: Annotated[int, Field(ge=1, le=3650)]


class ListCondition(_Rule):
    member_of: Annotated[str, Field(min_length=1, max_length=64)]  # a list id


Condition = AttributeCondition | EngagementCondition | ListCondition


class SegmentDefinition(_Rule):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    match: Literal["all", "any"] = "all"
    conditions: Annotated[list[Condition], Field(min_length=1, max_length=20)]


@dataclass(frozen=True)
class Membership:
    matches: bool
    until: datetime | None = None  # the match lapses then unless the data changes; None: while the data holds


NO_MATCH = Membership(False)
FOREVER = Membership(True)


def evaluate(segment: SegmentDefinition, contact: "Contact", now: datetime) -> Membership:
    results = [_condition(condition, contact, now) for condition in segment.conditions]
    held = [result for result in results if result.matches]
    if segment.match == "all":
        if len(held) < len(results):
            return NO_MATCH
        untils = [r.until for r in held if r.until is not None]
        return Membership(True, min(untils) if untils else None)
    if not held:
        return NO_MATCH
    if any(r.until is None for r in held):
        return FOREVER
    return Membership(True, max(r.until for r in held if r.until is not None))


def _condition(condition: Condition, contact: "Contact", now: datetime) -> Membership:
    if isinstance(condition, ListCondition):
        return FOREVER if condition.member_of in contact.lists else NO_MATCH
    if isinstance(condition, EngagementCondition):
        last = contact.last_opened_at if condition.engagement == "opened" else contact.last_clicked_at
        until = last + timedelta(days=condition.within_days) if last is not None else None
        return Membership(True, until) if until is not None and until > now else NO_MATCH
    return FOREVER if _attribute_holds(condition, contact.attributes) else NO_MATCH


def _attribute_holds(condition: AttributeCondition, attributes: dict[str, Any]) -> bool:
    present = attributes.get(condition.attribute) is not None
    value, expected = attributes.get(condition.attribute), condition.value
    if condition.op == "exists":
        return present
    if condition.op == "in":
        return present and isinstance(expected, list) and value in expected
    if condition.op == "eq":
        return present and value == expected
    if condition.op == "ne":
        return value != expected  # an absent attribute differs from any value
    return present and _ordered(value, expected, condition.op)


def _ordered(value: Any, expected: Any, op: str) -> bool:
    """gt / lt between numbers, or between texts (ISO datetimes order as text); mixed kinds never match."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, expected))
    texts = isinstance(value, str) and isinstance(expected, str)
    if not (numbers or texts):
        return False
    return bool(value > expected) if op == "gt" else bool(value < expected)
