"""The sequence document (SPEC §5) as typed, validated models.

This slice supports the steps `email` and `wait`; other step kinds are rejected with the step's position and
the kinds that are accepted, so a user never applies a document that silently does less than it says.
"""

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from emailseq.domain.durations import format_duration, parse_duration

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
EventType = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
Scalar = str | int | float | bool
STEP_KINDS = ("email", "wait")
MAX_WAIT = timedelta(days=3650)  # ten years: far beyond any journey, far inside what a datetime can hold


def _json_equal(given: object, wanted: object) -> bool:
    """Equality as JSON means it: true is not 1, "1" is not 1 (but 1 and 1.0 are the same number)."""
    if isinstance(given, bool) or isinstance(wanted, bool):
        return type(given) is type(wanted) and given == wanted
    numbers = (int, float)
    return isinstance(given, numbers) == isinstance(wanted, numbers) and given == wanted


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Strict):
    event: EventType
    where: dict[str, Scalar] = Field(default_factory=dict, description="Equality on event properties.")

    def matches(self, event_type: str, properties: dict[str, Any]) -> bool:
        return event_type == self.event and all(_json_equal(properties.get(k), v) for k, v in self.where.items())


class Goal(_Strict):
    event: EventType


class EmailContent(_Strict):
    subject: Annotated[str, Field(min_length=1, max_length=998)]
    html: Annotated[str, Field(min_length=1, max_length=512_000)]
    text: Annotated[str | None, Field(max_length=512_000)] = None


class EmailStep(_Strict):
    kind: Literal["email"] = Field(default="email", exclude=True)
    id: Identifier
    email: EmailContent


class WaitStep(_Strict):
    kind: Literal["wait"] = Field(default="wait", exclude=True)
    id: Identifier | None = None
    wait: timedelta

    @field_validator("wait", mode="before")
    @classmethod
    def _parse_wait(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("wait")
    @classmethod
    def _positive_whole_seconds(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("a wait must be longer than zero")
        if value > MAX_WAIT:
            raise ValueError(f"a wait may be at most {MAX_WAIT.days} days")
        if value.microseconds:
            raise ValueError("a wait is a whole number of seconds")
        return value


def _step_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return getattr(value, "kind", None)
    present = [k for k in STEP_KINDS if isinstance(value, dict) and k in value]
    return present[0] if len(present) == 1 else None


Step = Annotated[
    Annotated[EmailStep, Tag("email")] | Annotated[WaitStep, Tag("wait")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message=(f"a step must have exactly one of: {', '.join(STEP_KINDS)}"),
    ),
]


class SequenceDocument(_Strict):
    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    trigger: Trigger
    goal: Goal | None = None
    steps: Annotated[list[Step], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _step_ids_unique_and_mail_present(self) -> "SequenceDocument":
        ids = [step.id for step in self.steps if step.id is not None]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(duplicates)}")
        if not self.email_steps():
            raise ValueError("a sequence needs at least one email step")
        return self

    def email_steps(self) -> list[EmailStep]:
        return [step for step in self.steps if isinstance(step, EmailStep)]

    def canonical(self) -> dict[str, Any]:
        """The document as plain JSON data, with waits written back as durations (stable across applies)."""
        data = self.model_dump(mode="json", exclude_none=True)
        for raw, step in zip(data["steps"], self.steps, strict=True):
            if isinstance(step, WaitStep):
                raw["wait"] = format_duration(step.wait)
        return data

    def content_hash(self) -> str:
        encoded = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()
