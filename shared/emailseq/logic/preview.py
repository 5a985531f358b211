"""Preview a step as a contact would get it (tracking links are added only when it is really sent), and check how
a spam filter scores the message the sender would send for it."""

from dataclasses import dataclass

from emailseq.domain.errors import NotFound
from emailseq.domain.ports import (
    Clock,
    Contact,
    ContactRepository,
    OutgoingEmail,
    SequenceRepository,
    SpamChecker,
    TenantSettingsRepository,
)
from emailseq.domain.steps import EmailStep, walk
from emailseq.logic.deliverability import Deliverability, Outbound, check_message, outgoing_message
from emailseq.logic.recommendations import ContactRecommendations, ContentSource
from emailseq.rendering.compose import compose
from emailseq.rendering.recommend import sample_recommend

SAMPLE = Contact(tenant_id="", contact_id="preview", email="preview@example.com", first_name="Sam")


@dataclass(frozen=True)
class PreviewPorts:
    sequences: SequenceRepository
    contacts: ContactRepository
    settings: TenantSettingsRepository
    clock: Clock
    checker: SpamChecker | None  # None: no spam checker configured for this deployment
    outbound: Outbound
    content: ContentSource | None = None  # recommend(collection, n) for a real contact; samples when left out


@dataclass(frozen=True)
class Preview:
    email: OutgoingEmail
    deliverability: Deliverability


def preview_and_check(
    ports: PreviewPorts, tenant_id: str, sequence_id: str, step_id: str, email: str | None, check: bool = True
) -> Preview:
    """The preview, plus the spam score of the full MIME message (tenant sender, tracked links, unsubscribe
    headers) as the sender would build it. A missing or failing checker never fails the preview."""
    step, contact = _step_and_contact(ports.sequences, ports.contacts, tenant_id, sequence_id, step_id, email)
    # A real contact sees its own recommendations (read only if the template asks); the sample contact the samples.
    source = ports.content if email is not None else None
    recommend = ContactRecommendations(source, tenant_id, contact.contact_id) if source else sample_recommend
    shown = compose(step, contact, recommend=recommend)
    if not check:
        return Preview(shown, Deliverability(None, "not requested (check=false)"))
    if ports.checker is None:
        return Preview(shown, Deliverability(None, "no spam checker is configured (spamd address)"))
    tenant = ports.settings.get(tenant_id)
    message = outgoing_message(step, contact, sequence_id, tenant, ports.outbound, ports.clock.now(), tenant_id)
    return Preview(shown, check_message(ports.checker, message))


def _step_and_contact(
    sequences: SequenceRepository,
    contacts: ContactRepository,
    tenant_id: str,
    sequence_id: str,
    step_id: str,
    email: str | None,
) -> tuple[EmailStep, Contact]:
    stored = sequences.current(tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    step = next((s for s in walk(stored.document.steps) if isinstance(s, EmailStep) and s.id == step_id), None)
    if step is None:
        raise NotFound("email step", f"{sequence_id}/{step_id}")
    contact = contacts.find_by_email(tenant_id, email) if email else SAMPLE
    if contact is None:
        raise NotFound("contact", str(email))
    return step, contact
