"""Builders for the domain's inputs: sequence documents (as data or validated), steps, contact events, contacts."""

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from emailseq.domain.engine import ContactView
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.messages import ContactData, RecordEvent
from emailseq.domain.ports import Contact
from emailseq.domain.sequence import EmailStep, SequenceDocument
from fakes import T0, TENANT

WELCOME_SUBJECT = "Welcome, {{ contact.first_name | default('there') }}"
WELCOME_HTML = (
    "<p>Hi {{ contact.first_name | default('there') }}!</p><p><a href=\"https://example.com/start\">Get started</a></p>"
)

# -- steps, as document data ----------------------------------------------------------------------------------------


def email(step_id: str, subject: str = "Hello", html: str = "<p>Hello</p>", text: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"subject": subject, "html": html}
    if text is not None:
        content["text"] = text
    return {"id": step_id, "email": content}


def wait(duration: str | int | float) -> dict[str, Any]:
    return {"wait": duration}


def wait_until(event: str, timeout: str) -> dict[str, Any]:
    return {"wait_until": {"event": event, "timeout": timeout}}


def branch(
    step_id: str,
    then: list[dict[str, Any]] | None = None,
    otherwise: list[dict[str, Any]] | None = None,
    **condition: Any,
) -> dict[str, Any]:
    """A branch on exactly one condition, e.g. branch("b", [...], [...], opened="welcome")."""
    return {"id": step_id, "branch": {"if": condition, "then": then or [], "else": otherwise or []}}


def variant(name: str, steps: list[dict[str, Any]], weight: int = 1) -> dict[str, Any]:
    return {"name": name, "weight": weight, "steps": steps}


def split(step_id: str, *variants: dict[str, Any]) -> dict[str, Any]:
    return {"id": step_id, "split": list(variants)}


def update_attribute(step_id: str | None = None, **values: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"update_attribute": values}
    if step_id is not None:
        step["id"] = step_id
    return step


def webhook(
    step_id: str, url: str = "https://hooks.example.com/crm", body: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"id": step_id, "webhook": {"url": url, "body": body or {}}}


def exit_step() -> dict[str, Any]:
    return {"exit": True}


# -- documents --------------------------------------------------------------------------------------------------------

ONBOARDING: dict[str, Any] = {
    "id": "onboarding",
    "name": "Onboarding",
    "trigger": {"event": "signed_up"},
    "goal": {"event": "upgraded"},
    "steps": [
        email("welcome", WELCOME_SUBJECT, WELCOME_HTML),  # program 0
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


def sequence(*steps: dict[str, Any], **overrides: Any) -> SequenceDocument:
    """A document with these steps (the onboarding trigger and goal unless overridden)."""
    return document(steps=list(steps), **overrides)


def email_step(subject: str = "Hello", html: str = "<p>Hello</p>", text: str | None = None) -> EmailStep:
    return EmailStep.model_validate(email("step", subject, html, text))


def started(doc: SequenceDocument, contact_id: str = "contact-1", at: datetime = T0, **changes: Any) -> Enrollment:
    """A fresh enrollment in `doc` (version 1), with fields replaced by `changes`."""
    return replace(Enrollment.start(TENANT, contact_id, doc, 1, at), **changes)


# -- contacts and events --------------------------------------------------------------------------------------------


def contact_event(
    event_type: str = "signed_up",
    *,
    event_id: str = "evt-1",
    address: str = "ada@example.com",
    first_name: str | None = None,
    timezone: str | None = None,
    attributes: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
    tenant_id: str = TENANT,
    occurred_at: datetime = T0,
) -> RecordEvent:
    return RecordEvent(
        tenant_id=tenant_id,
        id=event_id,
        type=event_type,
        contact=ContactData(email=address, first_name=first_name, timezone=timezone, attributes=attributes or {}),
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


def view(contact_id: str = "contact-1", timezone: str | None = None, **attributes: Any) -> ContactView:
    return ContactView(contact_id=contact_id, timezone=timezone, attributes=attributes)
