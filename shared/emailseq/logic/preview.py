"""Preview a step as a contact would get it (tracking links are added only when it is really sent)."""

from emailseq.domain.errors import NotFound
from emailseq.domain.ports import Contact, ContactRepository, OutgoingEmail, SequenceRepository
from emailseq.domain.steps import EmailStep, walk
from emailseq.rendering.compose import compose

SAMPLE = Contact(tenant_id="", contact_id="preview", email="preview@example.com", first_name="Sam")


def preview_step(
    sequences: SequenceRepository,
    contacts: ContactRepository,
    tenant_id: str,
    sequence_id: str,
    step_id: str,
    email: str | None,
) -> OutgoingEmail:
    stored = sequences.current(tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    step = next((s for s in walk(stored.document.steps) if isinstance(s, EmailStep) and s.id == step_id), None)
    if step is None:
        raise NotFound("email step", f"{sequence_id}/{step_id}")
    contact = contacts.find_by_email(tenant_id, email) if email else SAMPLE
    if contact is None:
        raise NotFound("contact", str(email))
    return compose(step, contact)
