"""The AI layer inside the step worker and the tracking edge: engagement histories, send hours, scores, arms.

Each send and each first open or click of an email is counted once: the worker counts a send after the
conditional write that moved the enrollment past it succeeded (a redelivered order cannot pass it again), and
the tracking edge counts an open only when it was the first for that (enrollment, step). A crash between the
two writes loses one count rather than adding one twice.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from emailseq.domain.ai.bandit import choose_arm
from emailseq.domain.ai.score import features
from emailseq.domain.ai.send_moment import local_zone
from emailseq.domain.ai.send_time import DEFAULT_STRENGTH, contact_estimate, hour_of_week
from emailseq.domain.engine import ContactView
from emailseq.domain.ports import ArmStore, Contact, EngagementStore, ScoreModels
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.steps import EmailStep


@dataclass(frozen=True)
class AiPorts:
    engagement: EngagementStore
    arms: ArmStore
    models: ScoreModels


def groups_of(contact: Contact) -> list[str]:
    """The levels a contact's history is pooled into: the tenant and (as its segment) its first list."""
    return ["tenant", *(f"list:{name}" for name in sorted(contact.lists)[:1])]


def contact_view(ai: AiPorts | None, contact: Contact, document: SequenceDocument, now: datetime) -> ContactView:
    """What the engine may know of the contact; the histories are read only when the document uses them."""
    view = ContactView(contact.contact_id, contact.timezone, contact.attributes)
    if ai is None:
        return view
    needs_hours, needs_score = document.uses_send_time(), document.uses_score()
    history = ai.engagement.history(contact.tenant_id, contact.contact_id) if needs_hours or needs_score else None
    if needs_hours and history is not None:
        levels = [(ai.engagement.pooled(contact.tenant_id, group), DEFAULT_STRENGTH) for group in groups_of(contact)]
        view = replace(view, send_hours=contact_estimate(history.hours, levels).rates)
    if needs_score and history is not None:
        model = ai.models.model(contact.tenant_id)
        if model is not None:
            view = replace(view, score=1 - model.churn(features(history.profile, now)))
    return view


def choose_subject(ai: AiPorts | None, step: EmailStep, tenant_id: str, sequence_id: str, send_key: str) -> EmailStep:
    """The step with the subject line the bandit gives this send (kept: a retry gets the same one)."""
    if step.email.subjects is None:
        return step
    arms = step.email.arms
    chosen = 0
    if ai is not None:
        options = step.email.bandit
        reward, explore = (options.reward, options.min_explore) if options else ("opens", 0.1)
        stats = ai.arms.stats(tenant_id, sequence_id, step.id, len(arms))[reward]
        chosen = ai.arms.assign(tenant_id, sequence_id, step.id, send_key, choose_arm(stats, send_key, explore))
    email = step.email.model_copy(update={"subject": arms[chosen]})
    return step.model_copy(update={"email": email})


def note_sent(ai: AiPorts | None, contact: Contact, now: datetime) -> None:
    if ai is not None:
        ai.engagement.record_send(contact.tenant_id, contact.contact_id, now, groups_of(contact))


def note_engaged(ai: AiPorts | None, contact: Contact | None, kind: str, now: datetime) -> None:
    """A first open (`opened`) or click (`clicked`) of an email, into the contact's history."""
    if ai is None or contact is None:
        return
    if kind == "clicked":
        ai.engagement.record_click(contact.tenant_id, contact.contact_id, now)
        return
    hour = hour_of_week(now, local_zone(None, contact.timezone))
    ai.engagement.record_open(contact.tenant_id, contact.contact_id, hour, now, groups_of(contact))


def send_key(sequence_id: str, contact_id: str, generation: int, step_id: str) -> str:
    """One send of a step to one enrollment: the bandit's assignment key (known to the sender and the pixel)."""
    return f"{sequence_id}:{contact_id}:{generation}/{step_id}"
