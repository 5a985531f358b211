"""Commands (orders, imperative) and domain events (facts, past tense) exchanged between the functions."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from emailseq.domain.sequence import EventType, Scalar


def _normalise_email(value: str) -> str:
    # test_environment lets the reserved `.test` domain through: demos and checks use it. SMTPUTF8 is refused
    # and the domain kept in its ASCII (IDNA) form, so every accepted address can be written in a header.
    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error
    return str(checked.ascii_email or checked.normalized).lower()


EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(_normalise_email)]
AttributeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
PropertyName = Annotated[str, Field(min_length=1, max_length=64)]
MAX_ATTRIBUTE_CHARS = 1024


def _short_text(value: Scalar) -> Scalar:
    if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS:
        raise ValueError(f"{len(value)} characters; an attribute value may have at most {MAX_ATTRIBUTE_CHARS}")
    return value


# A contact attribute's value: a scalar; a string of at most MAX_ATTRIBUTE_CHARS characters.
AttributeValue = Annotated[Scalar, AfterValidator(_short_text)]
MAX_PROPERTIES_BYTES = 16 * 1024


def _bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
    if size > MAX_PROPERTIES_BYTES:
        raise ValueError(f"{size} bytes as JSON; at most {MAX_PROPERTIES_BYTES} bytes are allowed")
    return value


bounded_json = AfterValidator(_bounded_json)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactData(_Message):
    email: EmailAddress
    first_name: Annotated[str | None, Field(max_length=200)] = None
    last_name: Annotated[str | None, Field(max_length=200)] = None
    timezone: Annotated[str | None, Field(max_length=64)] = None
    attributes: Annotated[dict[AttributeName, AttributeValue | None], Field(max_length=100)] = Field(
        default_factory=dict
    )


class RecordEvent(_Message):
    """Order to take in a contact event (from `POST /v1/events`): published on the bus once per id."""

    tenant_id: str
    id: Annotated[str, Field(min_length=1, max_length=128)]
    type: EventType
    contact: ContactData
    properties: Annotated[dict[PropertyName, Any], Field(max_length=100), bounded_json] = Field(default_factory=dict)
    occurred_at: datetime


class SendStep(_Message):
    """Order to send the email step at `cursor` of one enrollment (what travels on the send queue)."""

    tenant_id: str
    contact_id: str
    sequence_id: str
    version: int
    generation: int
    cursor: int


def well_formed_orders(bodies: list[str]) -> list[SendStep]:
    """The orders among these queue message bodies that parse (a malformed one is reported where it is handled)."""
    orders = []
    for body in bodies:
        try:
            orders.append(SendStep.model_validate_json(body))
        except ValueError:
            continue
    return orders


class SendOptInConfirmation(_Message):
    """Order to email a contact the link that confirms its subscription to a double opt-in list."""

    tenant_id: str
    contact_id: str
    list_id: str
    list_name: Annotated[str, Field(max_length=200)]
    requested_at: datetime  # which request this answers: each request is mailed once


class ContactEnrolled(_Message):
    tenant_id: str
    contact_id: str
    sequence_id: str
    version: int
    enrolled_at: datetime


class EmailSent(_Message):
    tenant_id: str
    contact_id: str
    sequence_id: str
    step_id: str
    message_id: str
    sent_at: datetime


class EnrollmentConverted(_Message):
    tenant_id: str
    contact_id: str
    sequence_id: str
    goal_event: str
    converted_at: datetime


class EmailOpened(_Message):
    """The first open of one email by one enrollment: `machine` when a privacy proxy or scanner fetched it."""

    tenant_id: str
    contact_id: str
    sequence_id: str
    step_id: str
    generation: int = 0  # which enrollment of the contact in the sequence (re-enrollments count apart)
    machine: bool = False
    opened_at: datetime


class LinkClicked(_Message):
    """The first click on a link of one email by one enrollment."""

    tenant_id: str
    contact_id: str
    sequence_id: str
    step_id: str
    generation: int = 0
    url: str | None = None
    clicked_at: datetime


class ContactUnsubscribed(_Message):
    """A contact unsubscribed through the link of an email (counted against that email's step)."""

    tenant_id: str
    contact_id: str
    sequence_id: str | None = None
    step_id: str | None = None
    source: str
    unsubscribed_at: datetime


DomainEvent = ContactEnrolled | EmailSent | EnrollmentConverted | EmailOpened | LinkClicked | ContactUnsubscribed


class DeliveryFeedback(_Message):
    """What the mail provider reported back about a message we sent."""

    kind: Literal["hard_bounce", "soft_bounce", "complaint"]
    tenant_id: str
    contact_id: str
    message_id: str


DOMAIN_EVENT_TYPES: dict[str, type[DomainEvent]] = {
    kind.__name__: kind
    for kind in (ContactEnrolled, EmailSent, EnrollmentConverted, EmailOpened, LinkClicked, ContactUnsubscribed)
}


def read_domain_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent | None:
    """The domain event an EventBridge envelope carries (its detail-type names the class); None for other kinds."""
    kind = DOMAIN_EVENT_TYPES.get(detail_type)
    return kind.model_validate(detail) if kind is not None else None
