"""The send worker's use case: send the step an enrollment is at, exactly once, then move it on."""

from dataclasses import dataclass

from emailseq.domain.enrollment import Enrollment
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import EmailSent, SendStep
from emailseq.domain.ports import (
    Clock,
    ContactRepository,
    EnrollmentStore,
    EventBus,
    MailSender,
    OnceOnly,
    SequenceRepository,
)
from emailseq.rendering.compose import compose


@dataclass(frozen=True)
class SendPorts:
    contacts: ContactRepository
    sequences: SequenceRepository
    enrollments: EnrollmentStore
    mailer: MailSender
    once: OnceOnly
    bus: EventBus
    clock: Clock


def send_step(ports: SendPorts, order: SendStep) -> EmailSent | None:
    """Returns the EmailSent fact, or None when the order was stale (already sent, or the enrollment ended)."""
    enrollment = ports.enrollments.get(order.tenant_id, order.contact_id, order.sequence_id)
    if enrollment is None or not _still_at(enrollment, order):
        return None
    stored = ports.sequences.version(order.tenant_id, order.sequence_id, order.version)
    if stored is None:
        raise NotFound("sequence version", f"{order.sequence_id}@{order.version}")
    contact = ports.contacts.get(order.tenant_id, order.contact_id)
    if contact is None:  # erased since enrollment: nothing more goes to it
        ports.enrollments.replace(enrollment, enrollment.exited())
        return None
    step = enrollment.current_step(stored.document)
    email = compose(step, contact)
    key = f"{order.tenant_id}/{enrollment.enrollment_id}/{step.id}"
    message_id = ports.once.run(key, lambda: ports.mailer.send(email))
    sent_at = ports.clock.now()
    if not ports.enrollments.replace(enrollment, enrollment.after_send(stored.document, sent_at), step.id):
        return None  # a concurrent delivery of the same order advanced it; that one reports the send
    sent = EmailSent(
        tenant_id=order.tenant_id,
        contact_id=order.contact_id,
        sequence_id=order.sequence_id,
        step_id=step.id,
        message_id=message_id,
        sent_at=sent_at,
    )
    ports.bus.publish([sent])
    return sent


def _still_at(enrollment: Enrollment, order: SendStep) -> bool:
    return (
        enrollment.is_active
        and enrollment.generation == order.generation
        and enrollment.cursor == order.cursor
        and enrollment.version == order.version
    )
