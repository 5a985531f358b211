"""What we ask the language model for, and how its answer becomes a sequence document.

The shapes the model fills are deliberately flat (OpenAI's strict structured output takes a JSON schema without
tagged unions or free-form maps); the sequence document is then built from them and validated like any other.
"""

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field

from emailseq.domain.steps import EventType, Identifier

Tone = Annotated[str, Field(min_length=1, max_length=60)]


class DraftBrief(BaseModel):
    """A user's brief: what to write about, for whom, to what end."""

    brief: Annotated[str, Field(min_length=1, max_length=4000, description="Product, audience and goal in words.")]
    product: Annotated[str | None, Field(max_length=200)] = None
    audience: Annotated[str | None, Field(max_length=400)] = None
    goal: Annotated[str | None, Field(max_length=400)] = None
    tone: Tone = "friendly"
    emails: Annotated[int, Field(ge=1, le=10, description="How many emails the sequence has.")] = 3
    sequence_id: Identifier | None = None
    trigger_event: EventType | None = None
    goal_event: EventType | None = None


class DraftEmail(BaseModel):
    """One email as the model writes it."""

    id: str = Field(description="Short lowercase slug, e.g. welcome")
    wait_days_before: int = Field(description="Days to wait after the previous email (0 for the first)")
    subject: str = Field(description="Subject line; may use {{ contact.first_name | default('there') }}")
    html: str = Field(description="The body as simple HTML (p, a, ul, strong); Jinja2 variables allowed")


class DraftedSequence(BaseModel):
    """A whole sequence as the model writes it."""

    id: str = Field(description="Lowercase slug for the sequence, e.g. trial-onboarding")
    name: str
    trigger_event: str = Field(description="Event that enrolls a contact, e.g. user.signed_up")
    goal_event: str | None = Field(description="Event that ends the sequence as converted, or null")
    emails: list[DraftEmail]


class SubjectVariants(BaseModel):
    subjects: list[str]


class RewrittenEmail(BaseModel):
    subject: str
    html: str


def slug(text: str, fallback: str) -> str:
    """An identifier the document accepts ([a-z0-9][a-z0-9_.-]{0,63}) made from what the model wrote."""
    cleaned = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-_.")[:64]
    return cleaned if cleaned else fallback


def to_document(drafted: DraftedSequence, brief: DraftBrief) -> dict[str, Any]:
    """The sequence document (as the user would write it) from the model's answer; the brief's ids win."""
    steps: list[dict[str, Any]] = []
    used: set[str] = set()
    for number, email in enumerate(drafted.emails, start=1):
        step_id = slug(email.id, f"email-{number}")
        if step_id in used:
            step_id = f"{step_id[:58]}-{number}"
        used.add(step_id)
        if steps and email.wait_days_before > 0:
            steps.append({"wait": f"{min(email.wait_days_before, 365)}d"})
        steps.append({"id": step_id, "email": {"subject": email.subject, "html": email.html}})
    document: dict[str, Any] = {
        "id": brief.sequence_id or slug(drafted.id, "drafted-sequence"),
        "name": drafted.name.strip()[:200] or "Drafted sequence",
        "trigger": {"event": brief.trigger_event or drafted.trigger_event},
        "steps": steps,
    }
    goal = brief.goal_event or drafted.goal_event
    if goal:
        document["goal"] = {"event": goal}
    return document
