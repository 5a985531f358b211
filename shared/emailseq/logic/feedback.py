"""Bounces and complaints: a hard bounce or a complaint suppresses the contact (nothing more is sent to it, from
any sequence); a soft bounce is counted and the address kept."""

from dataclasses import dataclass

from emailseq.domain.messages import DeliveryFeedback
from emailseq.domain.ports import AuditTrail, Clock, ContactRepository


@dataclass(frozen=True)
class FeedbackPorts:
    contacts: ContactRepository
    clock: Clock
    audit: AuditTrail | None = None


def handle_feedback(ports: FeedbackPorts, feedback: DeliveryFeedback) -> bool:
    """True when the contact was suppressed by this notice (False for repeats and soft bounces)."""
    if feedback.kind == "soft_bounce":
        ports.contacts.count_soft_bounce(feedback.tenant_id, feedback.contact_id)
        return False
    suppressed = ports.contacts.unsubscribe(feedback.tenant_id, feedback.contact_id, ports.clock.now(), feedback.kind)
    if suppressed and ports.audit is not None:
        details = {"reason": feedback.kind, "message_id": feedback.message_id}
        ports.audit.record(feedback.tenant_id, "provider", "contact.suppressed", feedback.contact_id, details)
    return suppressed
