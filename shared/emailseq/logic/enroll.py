"""React to a contact event: update the contact, tell running enrollments what happened (goals, awaited
events), and enroll where the event is a trigger."""

from dataclasses import dataclass
from datetime import datetime

from emailseq.domain.enrollment import SEND_LEASE, Enrollment
from emailseq.domain.errors import Conflict, NotFound
from emailseq.domain.messages import (
    ContactData,
    ContactEnrolled,
    DomainEvent,
    EnrollmentConverted,
    RecordEvent,
    SendStep,
)
from emailseq.domain.ports import (
    Clock,
    ContactRepository,
    EnrollmentStore,
    EventBus,
    SequenceRepository,
    StepQueue,
)
from emailseq.logic.segments import SegmentHook, refresh_segments


@dataclass(frozen=True)
class EnrollPorts:
    contacts: ContactRepository
    sequences: SequenceRepository
    enrollments: EnrollmentStore
    queue: StepQueue
    bus: EventBus
    clock: Clock
    segments: SegmentHook | None = None  # segments re-evaluated when the event changes the contact


def handle_contact_event(ports: EnrollPorts, event: RecordEvent) -> list[DomainEvent]:
    contact = ports.contacts.upsert(event.tenant_id, event.contact)
    if ports.segments is not None:
        refresh_segments(ports.segments.audiences, [contact], ports.clock)
    now = ports.clock.now()
    running = [] if contact.created_now else ports.enrollments.for_contact(event.tenant_id, contact.contact_id)
    happened: list[DomainEvent] = []
    to_run: list[SendStep] = []
    for enrollment in running:
        happened += _tell(ports, enrollment, event, now, to_run)
    happened += _enroll_where_triggered(ports, event, contact.contact_id, running, now, to_run)
    if to_run:
        ports.queue.enqueue(to_run)
    if happened:
        ports.bus.publish(happened)
    return happened


def _tell(
    ports: EnrollPorts, enrollment: Enrollment, event: RecordEvent, now: datetime, to_run: list[SendStep]
) -> list[DomainEvent]:
    """A running enrollment hears of the event: its goal ends it; an event it watches is recorded (and wakes a
    wait_until waiting for exactly that)."""
    if not enrollment.is_active:
        return []
    if enrollment.goal_event == event.type:
        if ports.enrollments.replace(enrollment, enrollment.converted(now)):
            return [
                EnrollmentConverted(
                    tenant_id=event.tenant_id,
                    contact_id=enrollment.contact_id,
                    sequence_id=enrollment.sequence_id,
                    goal_event=event.type,
                    converted_at=now,
                )
            ]
        return []
    if event.type in enrollment.watch_events:
        ports.enrollments.record_fact(enrollment, "events", event.type)
        if enrollment.waiting_for == event.type and _wake_and_lease(ports, enrollment, now):
            to_run.append(send_order(enrollment))
    return []


def _enroll_where_triggered(
    ports: EnrollPorts,
    event: RecordEvent,
    contact_id: str,
    running: list[Enrollment],
    now: datetime,
    to_run: list[SendStep],
) -> list[DomainEvent]:
    previous = {enrollment.sequence_id: enrollment for enrollment in running}
    enrolled: list[DomainEvent] = []
    for stored in ports.sequences.triggered_by(event.tenant_id, event.type):
        if not stored.document.trigger.matches(event.type, event.properties):
            continue
        before = previous.get(stored.document.id)
        if before is not None and not before.may_reenroll(stored.document, now):
            continue  # one enrollment per contact and sequence at a time; re-enrollment only as the policy says
        generation = before.generation + 1 if before else 1
        fresh = Enrollment.start(event.tenant_id, contact_id, stored.document, stored.version, now, generation)
        # Stored already leased: its first step is due now and is queued straight away below, rather than at the
        # scheduler's next tick. A crash before the queueing loses nothing: the scheduler finds it when the lease
        # runs out.
        if not ports.enrollments.create(fresh, replacing=before, leased_until=now + SEND_LEASE):
            continue  # a redelivered event (or a concurrent one) enrolled it already
        enrolled.append(
            ContactEnrolled(
                tenant_id=event.tenant_id,
                contact_id=contact_id,
                sequence_id=stored.document.id,
                version=stored.version,
                enrolled_at=now,
            )
        )
        to_run.append(send_order(fresh))
    return enrolled


def enroll_contact(ports: EnrollPorts, tenant_id: str, sequence_id: str, data: ContactData) -> Enrollment:
    """Manual enrollment (no trigger needed); NotFound for an unknown or inactive sequence, Conflict if the
    contact is already in it (and the re-enrollment policy does not allow another run yet)."""
    stored = ports.sequences.current(tenant_id, sequence_id)
    if stored is None or stored.status != "active":
        raise NotFound("active sequence", sequence_id)
    contact = ports.contacts.upsert(tenant_id, data)
    now = ports.clock.now()
    before = ports.enrollments.get(tenant_id, contact.contact_id, sequence_id)
    if before is not None and not before.may_reenroll(stored.document, now):
        raise Conflict(f"{data.email} is already enrolled in '{sequence_id}'")
    fresh = Enrollment.start(
        tenant_id, contact.contact_id, stored.document, stored.version, now, before.generation + 1 if before else 1
    )
    if not ports.enrollments.create(fresh, replacing=before, leased_until=now + SEND_LEASE):
        raise Conflict(f"{data.email} was enrolled in '{sequence_id}' meanwhile")
    ports.queue.enqueue([send_order(fresh)])
    ports.bus.publish(
        [
            ContactEnrolled(
                tenant_id=tenant_id,
                contact_id=contact.contact_id,
                sequence_id=sequence_id,
                version=stored.version,
                enrolled_at=now,
            )
        ]
    )
    return fresh


def unenroll_contact(ports: EnrollPorts, tenant_id: str, sequence_id: str, contact_id: str) -> Enrollment:
    enrollment = ports.enrollments.get(tenant_id, contact_id, sequence_id)
    if enrollment is None or not enrollment.is_active:
        raise NotFound("active enrollment", f"{sequence_id}/{contact_id}")
    ended = enrollment.exited(ports.clock.now())
    if not ports.enrollments.replace(enrollment, ended):
        raise Conflict("the enrollment moved on meanwhile; retry")
    return ended


def _wake_and_lease(ports: EnrollPorts, enrollment: Enrollment, now: datetime) -> bool:
    """A sleeping enrollment whose awaited event arrived: due now, and leased for the order queued for it."""
    return ports.enrollments.wake(enrollment, now) and ports.enrollments.lease(enrollment, now, now + SEND_LEASE)


def send_order(enrollment: Enrollment) -> SendStep:
    return SendStep(
        tenant_id=enrollment.tenant_id,
        contact_id=enrollment.contact_id,
        sequence_id=enrollment.sequence_id,
        version=enrollment.version,
        generation=enrollment.generation,
        cursor=enrollment.cursor,
    )
