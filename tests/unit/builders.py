"""Builders for the domain's inputs: sequence documents (as data or validated), contact events, contacts."""

import copy
from datetime import datetime
from typing import Any

from emailseq.domain.messages import ContactData, RecordEvent
from emailseq.domain.ports import Contact
from emailseq.domain.sequence import EmailStep, SequenceDocument
from fakes import T0, TENANT

WELCOME_SUBJECT = "Welcome, {{ contact.first_name | default('there') }}"
WELCOME_HTML = (
    "<p>Hi {{ contact.first_name | default('there') }}!</p><p><a href=\"https://example.com/start\">Get started</a></p>"
)


def email(step_id: str, subject: str = "Hello", html: str = "<p>Hello</p>", text: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"subject": subject, "html": html}
    if text is not None:
        content["text"] = text
    return {"id": step_id, "email": content}


def wait(duration: str | int | float) -> dict[str, Any]:
    return {"wait": duration}


ONBOARDING: dict[str, Any] = {
    "id": "onboarding",
    "name": "Onboarding",
    "trigger": {"event": "signed_up"},
    "goal": {"event": "upgraded"},
    "steps": [
        email("welcome", WELCOME_SUBJECT, WELCOME_HTML),  # 0
        wait("2d"),  # 1
        email("tips", "Three tips", "<p>Tip one</p>"),  # 2
        wait("3d"),  # 3
        email("last-call", "Last call", "<p>Upgrade today</p>"),  # 4
    ],
}


def document_data(**overrides: Any) -> dict[str, Any]:
    """The onboarding document as plain data (a fresh copy), with top-level fields replaced."""
    data = copy.deepcopy(ONBOARDING)
    data.update(overrides)
    return data


def document(**overrides: Any) -> SequenceDocument:
    return SequenceDocument.model_validate(document_data(**overrides))


def email_step(subject: str = "Hello", html: str = "<p>Hello</p>", text: str | None = None) -> EmailStep:
    return EmailStep.model_validate(email("step", subject, html, text))


def contact_event(
    event_type: str = "signed_up",
    *,
    event_id: str = "evt-1",
    address: str = "ada@example.com",
    first_name: str | None = None,
    properties: dict[str, Any] | None = None,
    tenant_id: str = TENANT,
    occurred_at: datetime = T0,
) -> RecordEvent:
    return RecordEvent(
        tenant_id=tenant_id,
        id=event_id,
        type=event_type,
        contact=ContactData(email=address, first_name=first_name),
        properties=properties or {},
        occurred_at=occurred_at,
    )


def contact(first_name: str | None = None, **attributes: Any) -> Contact:
    return Contact(
        tenant_id=TENANT,
        contact_id="contact-1",
        email="ada@example.com",
        first_name=first_name,
        attributes=attributes,
    )
