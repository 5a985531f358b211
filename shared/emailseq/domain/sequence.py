"""The sequence document (SPEC §5): trigger, goal, send window, re-enrollment policy and steps."""

import hashlib
import json
import re
from datetime import time, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PlainSerializer, field_validator, model_validator

from emailseq.domain.durations import parse_duration
from emailseq.domain.steps import (
    MAX_WAIT,
    STEP_KINDS,
    BranchStep,
    EmailStep,
    EventType,
    Identifier,
    Scalar,
    Step,
    Strict,
    WaitStep,
    WaitUntilStep,
    walk,
)

__all__ = ["MAX_WAIT", "STEP_KINDS", "EmailStep", "EventType", "Identifier", "Scalar", "SequenceDocument", "WaitStep"]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def json_equal(given: object, wanted: object) -> bool:
    """Equality as JSON means it: true is not 1, "1" is not 1 (but 1 and 1.0 are the same number)."""
    if isinstance(given, bool) or isinstance(wanted, bool):
        return type(given) is type(wanted) and given == wanted
    numbers = (int, float)
    return isinstance(given, numbers) == isinstance(wanted, numbers) and given == wanted


class Trigger(Strict):
    event: EventType
    where: dict[str, Scalar] = Field(default_factory=dict, description="Equality on event properties.")

    def matches(self, event_type: str, properties: dict[str, Any]) -> bool:
        return event_type == self.event and all(json_equal(properties.get(k), v) for k, v in self.where.items())


class Goal(Strict):
    event: EventType


ClockTime = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json")]


class SendWindow(Strict):
    """When emails may go out, in the contact's timezone (or `timezone` for contacts without one)."""

    days: Annotated[list[Weekday], Field(min_length=1, max_length=7)] = Field(default_factory=lambda: list(WEEKDAYS))
    from_: ClockTime = Field(alias="from")
    to: ClockTime
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"'{value}' is not an IANA timezone such as Europe/Berlin") from error
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "SendWindow":
        if self.from_ >= self.to:
            raise ValueError("`from` must be earlier than `to` (windows across midnight are not supported)")
        return self


_REENROLL = re.compile(r"^\s*(never|after\s+(\S+))\s*$")


class SequenceDocument(Strict):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    trigger: Trigger
    goal: Goal | None = None
    send_window: SendWindow | None = None
    reenroll: str = Field(default="never", description="`never` (default) or `after <duration>`, e.g. after 30d")
    steps: Annotated[list[Step], Field(min_length=1, max_length=200)]

    @field_validator("reenroll")
    @classmethod
    def _reenroll_policy(cls, value: str) -> str:
        match = _REENROLL.match(value)
        if match is None:
            raise ValueError("use `never` or `after <duration>`, e.g. `after 30d`")
        if match.group(2):
            parse_duration(match.group(2))
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> "SequenceDocument":
        everything = walk(self.steps)
        ids = [step.id for step in everything if step.id is not None]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(duplicates)}")
        emails = {step.id for step in everything if isinstance(step, EmailStep)}
        if not emails:
            raise ValueError("a sequence needs at least one email step")
        for step in everything:
            if isinstance(step, BranchStep):
                named = step.branch.if_.opened or step.branch.if_.clicked
                if named is not None and named not in emails:
                    raise ValueError(f"branch '{step.id}' tests '{named}', which is not an email step")
        return self

    @property
    def reenroll_after(self) -> timedelta | None:
        match = _REENROLL.match(self.reenroll)
        return parse_duration(match.group(2)) if match and match.group(2) else None

    def email_steps(self) -> list[EmailStep]:
        return [step for step in walk(self.steps) if isinstance(step, EmailStep)]

    def uses_send_time(self) -> bool:
        return any(step.send_at == "optimal" for step in self.email_steps())

    def uses_score(self) -> bool:
        return any(isinstance(s, BranchStep) and s.branch.if_.score is not None for s in walk(self.steps))

    def watched_events(self) -> list[str]:
        """Event types the steps wait for or branch on: the enroller records these on running enrollments."""
        found = {s.wait_until.event for s in walk(self.steps) if isinstance(s, WaitUntilStep)}
        found |= {s.branch.if_.event for s in walk(self.steps) if isinstance(s, BranchStep) and s.branch.if_.event}
        return sorted(found)

    def canonical(self) -> dict[str, Any]:
        """The document as plain JSON data, durations written back as `2d` (stable across applies)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @cached_property
    def fingerprint(self) -> str:
        """The content hash, computed once per document object (the engine looks it up on every step)."""
        return self.content_hash()

    def content_hash(self) -> str:
        encoded = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()
