"""React to a contact event: update the contact, end enrollments whose goal it is, enroll where it triggers."""

from dataclasses import dataclass

from emailseq.domain.enrollment import SEND_LEASE, Enrollment
from emailseq.domain.messages import ContactEnrolled, DomainEvent, EnrollmentConverted, RecordEvent, SendStep
from emailseq.domain.ports import (
    Clock,
    ContactRepository,
    EnrollmentStore,
    EventBus,
    SequenceRepository,
    StepQueue,
)


@dataclass(frozen=True)
class EnrollPorts:
    contacts: ContactRepository
    sequences: SequenceRepository
    enrollments: EnrollmentStore
    queue: StepQueue
    bus: EventBus
    clock: Clock


def handle_contact_event(ports: EnrollPorts, event: RecordEvent) -> list[DomainEvent]:
    contact = ports.contacts.upsert(event.tenant_id, event.contact)
    happened: list[DomainEvent] = [*_reach_goals(ports, event, contact.contact_id)]
    happened += _enroll_where_triggered(ports, event, contact.contact_id)
    if happened:
        ports.bus.publish(happened)
    return happened


def _reach_goals(ports: EnrollPorts, event: RecordEvent, contact_id: str) -> list[DomainEvent]:
    reached: list[DomainEvent] = []
    for enrollment in ports.enrollments.for_contact(event.tenant_id, contact_id):
        reaches_goal = enrollment.is_active and enrollment.goal_event == event.type
        if reaches_goal and ports.enrollments.replace(enrollment, enrollment.converted()):
            reached.append(
                EnrollmentConverted(
                    tenant_id=event.tenant_id,
                    contact_id=contact_id,
                    sequence_id=enrollment.sequence_id,
                    goal_event=event.type,
                    converted_at=ports.clock.now(),
                )
            )
    return reached


def _enroll_where_triggered(ports: EnrollPorts, event: RecordEvent, contact_id: str) -> list[DomainEvent]:
    now = ports.clock.now()
    enrolled: list[DomainEvent] = []
    due_now: list[SendStep] = []
    for stored in ports.sequences.triggered_by(event.tenant_id, event.type):
        if not stored.document.trigger.matches(event.type, event.properties):
            continue
        enrollment = Enrollment.start(event.tenant_id, contact_id, stored.document, stored.version, now)
        if not ports.enrollments.create(enrollment):
            continue  # one enrollment per contact and sequence; a redelivered event lands here too
        enrolled.append(
            ContactEnrolled(
                tenant_id=event.tenant_id,
                contact_id=contact_id,
                sequence_id=stored.document.id,
                version=stored.version,
                enrolled_at=now,
            )
        )
        # Due now: queued straight away rather than at the scheduler's next tick; the lease keeps that tick off it.
        # (A crash before the lease or the queueing loses nothing: the scheduler finds it due later.)
        due = enrollment.due_at is not None and enrollment.due_at <= now
        if due and ports.enrollments.lease(enrollment, now + SEND_LEASE):
            due_now.append(send_order(enrollment))
    if due_now:
        ports.queue.enqueue(due_now)
    return enrolled


def send_order(enrollment: Enrollment) -> SendStep:
    return SendStep(
        tenant_id=enrollment.tenant_id,
        contact_id=enrollment.contact_id,
        sequence_id=enrollment.sequence_id,
        version=enrollment.version,
        generation=enrollment.generation,
        cursor=enrollment.cursor,
    )
