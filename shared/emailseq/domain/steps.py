"""The steps of a sequence document (SPEC §5): what each kind says, validated.

Kinds: email, wait, wait_until, branch, split, update_attribute, webhook, exit. A step is written as a mapping
with exactly one of these keys (plus an optional `id`); branch and split hold further steps.
"""

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    field_validator,
    model_validator,
)

from emailseq.domain.durations import format_duration, parse_duration

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
EventType = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
AttributeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Scalar = str | int | float | bool
STEP_KINDS = ("email", "wait", "wait_until", "branch", "split", "update_attribute", "webhook", "exit")
MAX_WAIT = timedelta(days=3650)  # ten years: far beyond any journey, far inside what a datetime can hold


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


def _check_wait(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("a wait must be longer than zero")
    if value > MAX_WAIT:
        raise ValueError(f"a wait may be at most {MAX_WAIT.days} days")
    if value.microseconds:
        raise ValueError("a wait is a whole number of seconds")
    return value


# Written as `2d`, `90m`; stored and shown the same way (the shortest exact form).
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    AfterValidator(_check_wait),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]


Subject = Annotated[str, Field(min_length=1, max_length=998)]


class BanditOptions(Strict):
    """How the subject-line bandit learns: from opens or clicks, never below `min_explore` uniform traffic."""

    reward: Literal["opens", "clicks"] = "opens"
    min_explore: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1


class EmailContent(Strict):
    """The body is `html`, or `mjml` (a responsive layout compiled to HTML once per template version).

    `subjects` (2-10) makes the subject a bandit arm chosen per send; `subject` is then the first of them."""

    subject: Subject
    subjects: Annotated[list[Subject], Field(min_length=2, max_length=10)] | None = None
    bandit: BanditOptions | None = None
    html: Annotated[str | None, Field(min_length=1, max_length=512_000)] = None
    mjml: Annotated[str | None, Field(min_length=1, max_length=512_000)] = None
    text: Annotated[str | None, Field(max_length=512_000)] = None

    @model_validator(mode="before")
    @classmethod
    def _first_subject(cls, data: Any) -> Any:
        if isinstance(data, dict) and "subject" not in data and isinstance(data.get("subjects"), list):
            return {**data, "subject": data["subjects"][0] if data["subjects"] else ""}
        return data

    @model_validator(mode="after")
    def _one_body(self) -> "EmailContent":
        if (self.html is None) == (self.mjml is None):
            raise ValueError("an email has exactly one of `html` and `mjml`")
        if self.subjects is not None and len(set(self.subjects)) != len(self.subjects):
            raise ValueError("`subjects` must be different from each other")
        if self.bandit is not None and self.subjects is None:
            raise ValueError("`bandit` needs `subjects`: two or more subject lines to choose from")
        return self

    @property
    def arms(self) -> list[str]:
        """The subject lines a send chooses from (one when there is no bandit)."""
        return list(self.subjects) if self.subjects else [self.subject]


class EmailStep(Strict):
    kind: Literal["email"] = Field(default="email", exclude=True)
    id: Identifier
    email: EmailContent
    send_at: Literal["optimal"] | None = Field(
        default=None, description="`optimal`: the contact's best hour of the coming week, inside the send window"
    )


class WaitStep(Strict):
    kind: Literal["wait"] = Field(default="wait", exclude=True)
    id: Identifier | None = None
    wait: Duration


class WaitUntil(Strict):
    event: EventType
    timeout: Duration


class WaitUntilStep(Strict):
    kind: Literal["wait_until"] = Field(default="wait_until", exclude=True)
    id: Identifier | None = None
    wait_until: WaitUntil


class ScoreTest(Strict):
    """The contact's engagement score (0-1, from the tenant's trained model) above and/or below a bound."""

    above: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    below: Annotated[float, Field(ge=0.0, le=1.0)] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> "ScoreTest":
        if self.above is None and self.below is None:
            raise ValueError("a score test needs `above`, `below` or both")
        return self

    def holds(self, score: float) -> bool:
        return (self.above is None or score > self.above) and (self.below is None or score < self.below)


class Condition(Strict):
    """Exactly one test: an earlier email opened or clicked, a contact attribute, an event seen since enrollment,
    the contact's engagement score."""

    opened: Identifier | None = None
    clicked: Identifier | None = None
    attribute: Annotated[dict[AttributeName, Scalar | None], Field(min_length=1, max_length=1)] | None = None
    event: EventType | None = None
    score: ScoreTest | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Condition":
        names = ("opened", "clicked", "attribute", "event", "score")
        given = [name for name in names if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a condition has exactly one of: opened, clicked, attribute, event, score")
        return self


class Branch(Strict):
    if_: Condition = Field(alias="if")
    then: list["Step"] = Field(default_factory=list, max_length=200)
    else_: list["Step"] = Field(default_factory=list, alias="else", max_length=200)


class BranchStep(Strict):
    kind: Literal["branch"] = Field(default="branch", exclude=True)
    id: Identifier
    branch: Branch


class Variant(Strict):
    name: Identifier
    weight: Annotated[int, Field(ge=0, le=10_000)] = 1
    steps: list["Step"] = Field(default_factory=list, max_length=200)


class SplitStep(Strict):
    """A random A/B(/n) split; a contact's variant is a deterministic function of the contact and the step."""

    kind: Literal["split"] = Field(default="split", exclude=True)
    id: Identifier
    split: Annotated[list[Variant], Field(min_length=2, max_length=10)]

    @field_validator("split")
    @classmethod
    def _weights(cls, variants: list[Variant]) -> list[Variant]:
        if sum(v.weight for v in variants) <= 0:
            raise ValueError("at least one variant needs a weight above zero")
        if len({v.name for v in variants}) != len(variants):
            raise ValueError("variant names must be unique")
        return variants


class UpdateAttributeStep(Strict):
    kind: Literal["update_attribute"] = Field(default="update_attribute", exclude=True)
    id: Identifier | None = None
    update_attribute: Annotated[dict[AttributeName, Scalar | None], Field(min_length=1, max_length=50)]


class Webhook(Strict):
    url: AnyHttpUrl
    body: dict[str, Any] = Field(default_factory=dict)


class WebhookStep(Strict):
    kind: Literal["webhook"] = Field(default="webhook", exclude=True)
    id: Identifier
    webhook: Webhook


class ExitStep(Strict):
    kind: Literal["exit"] = Field(default="exit", exclude=True)
    id: Identifier | None = None
    exit: Literal[True] = True


def _step_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return getattr(value, "kind", None)
    present = [k for k in STEP_KINDS if isinstance(value, dict) and k in value]
    return present[0] if len(present) == 1 else None


Step = Annotated[
    Annotated[EmailStep, Tag("email")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[WaitUntilStep, Tag("wait_until")]
    | Annotated[BranchStep, Tag("branch")]
    | Annotated[SplitStep, Tag("split")]
    | Annotated[UpdateAttributeStep, Tag("update_attribute")]
    | Annotated[WebhookStep, Tag("webhook")]
    | Annotated[ExitStep, Tag("exit")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message=f"a step must have exactly one of: {', '.join(STEP_KINDS)}",
    ),
]

Branch.model_rebuild()
Variant.model_rebuild()


def walk(steps: list[Step]) -> list[Step]:
    """Every step, nested ones included, in document order."""
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, BranchStep):
            found += walk(step.branch.then) + walk(step.branch.else_)
        elif isinstance(step, SplitStep):
            for variant in step.split:
                found += walk(variant.steps)
    return found
