"""The step worker's use case: run an enrollment from its due step until it must wait, each effect exactly once.

Every effect (an email, an attribute update, a webhook) goes through the once-only guard keyed on (enrollment,
instruction), and every move of the enrollment is a conditional write: a redelivered order, a crash between an
effect and its bookkeeping, or two workers on the same order all end with each effect done once.
"""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emailseq.domain.engine import ContactView, SendEmail, Transition, advance
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import DomainEvent, EmailSent, SendStep
from emailseq.domain.ports import (
    Contact,
    StoredSequence,
)
from emailseq.domain.tenant import local_day, next_day_start
from emailseq.logic.effects import StepPorts, effect_key, perform
from emailseq.logic.engagement import contact_view, note_sent

__all__ = ["StepPorts", "read_ahead", "run_step"]

_MAX_EFFECTS_PER_RUN = 25  # the rest waits for the next order; keeps one invocation well inside its timeout


def read_ahead(ports: StepPorts, orders: list[SendStep]) -> None:
    """A batch's orders read in one go before they run one by one (when the store can)."""
    if ports.reads is not None:
        ports.reads.read_ahead([(o.tenant_id, o.contact_id, o.sequence_id) for o in orders])


def run_step(ports: StepPorts, order: SendStep) -> list[DomainEvent]:
    """Returns what happened (emails sent); nothing when the order was stale or the enrollment ended."""
    enrollment, status, contact = _read(ports, order)
    if enrollment is None or not _still_at(enrollment, order) or not _due(enrollment, ports.clock.now()):
        return []  # already done, moved on, or not due yet (a stale or early copy of the order)
    if status == "paused":
        return []  # held where it is: the lease runs out and the scheduler offers it again until resumed
    if status == "archived":
        ports.enrollments.replace(enrollment, enrollment.exited(ports.clock.now()))
        return []
    stored = ports.sequences.version(order.tenant_id, order.sequence_id, order.version)
    if stored is None:
        raise NotFound("sequence version", f"{order.sequence_id}@{order.version}")
    if contact is None or contact.unsubscribed:  # erased or unsubscribed: nothing more goes to it
        ports.enrollments.replace(enrollment, enrollment.exited(ports.clock.now()))
        return []
    return _run(ports, enrollment, stored, contact)


def _read(ports: StepPorts, order: SendStep) -> tuple[Enrollment | None, str | None, Contact | None]:
    """The enrollment, its sequence's status and the contact: in one request when the store offers it."""
    tenant_id, contact_id, sequence_id = order.tenant_id, order.contact_id, order.sequence_id
    if ports.reads is not None:
        state = ports.reads.read(tenant_id, contact_id, sequence_id)
        return state.enrollment, state.status, state.contact
    enrollment = ports.enrollments.get(tenant_id, contact_id, sequence_id)
    if enrollment is None:
        return None, None, None
    return enrollment, ports.sequences.status(tenant_id, sequence_id), ports.contacts.get(tenant_id, contact_id)


def _run(ports: StepPorts, enrollment: Enrollment, stored: StoredSequence, contact: Contact) -> list[DomainEvent]:
    happened: list[DomainEvent] = []
    view = contact_view(ports.ai, contact, stored.document, ports.clock.now())
    for _ in range(_MAX_EFFECTS_PER_RUN):
        now = ports.clock.now()
        transition = advance(enrollment, stored.document, view, now)
        if isinstance(transition.effect, SendEmail) and not _within_cap(ports, enrollment, contact, transition, now):
            # Over the tenant's daily cap: the email waits for the contact's next day instead of being dropped.
            ports.enrollments.replace(enrollment, replace(enrollment, due_at=next_day_start(_zone(contact), now)))
            break
        result = perform(ports, transition, enrollment, contact) if transition.effect else None
        sent_step = transition.effect.step.id if isinstance(transition.effect, SendEmail) else None
        transition = _through_quiet_steps(transition, stored, view, now)
        if not ports.enrollments.replace(enrollment, transition.after, sent_step):
            fresh = _same_position(ports, enrollment)
            if fresh is None:
                return happened  # another delivery of this order moved it on; that one reports what it did
            enrollment = fresh  # only its facts changed (the awaited event arrived as it went to sleep): rerun
            continue
        if sent_step is not None and result is not None:
            note_sent(ports.ai, contact, now)  # after the conditional write: counted once
            sent = _sent(enrollment, sent_step, result, now)
            ports.bus.publish([sent])  # reported at once: a later effect of this run may still fail
            happened.append(sent)
        enrollment = transition.after
        if transition.effect is None or not _due(enrollment, ports.clock.now()):
            break
    return happened


def _through_quiet_steps(
    transition: Transition, stored: StoredSequence, view: ContactView, now: datetime
) -> Transition:
    """An effect's move together with the moves straight after it that have no effect of their own (the wait that
    follows an email, a branch, the sequence's end): one conditional write per email instead of two."""
    if transition.effect is None or not _due(transition.after, now):
        return transition
    following = advance(transition.after, stored.document, view, now)
    return transition if following.effect is not None else replace(transition, after=following.after)


def _same_position(ports: StepPorts, before: Enrollment) -> Enrollment | None:
    now = ports.enrollments.get(before.tenant_id, before.contact_id, before.sequence_id)
    unmoved = now is not None and (now.status, now.cursor, now.generation) == (
        before.status,
        before.cursor,
        before.generation,
    )
    return now if unmoved else None


def _within_cap(
    ports: StepPorts, enrollment: Enrollment, contact: Contact, transition: Transition, now: datetime
) -> bool:
    if ports.settings is None or ports.caps is None:
        return True
    cap = ports.settings.get(enrollment.tenant_id).max_emails_per_day
    if cap is None:
        return True
    return ports.caps.reserve(
        enrollment.tenant_id,
        contact.contact_id,
        local_day(_zone(contact), now),
        effect_key(enrollment, transition),
        cap,
    )


def _zone(contact: Contact) -> ZoneInfo:
    try:
        return ZoneInfo(contact.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _sent(enrollment: Enrollment, step_id: str, message_id: str, now: datetime) -> EmailSent:
    return EmailSent(
        tenant_id=enrollment.tenant_id,
        contact_id=enrollment.contact_id,
        sequence_id=enrollment.sequence_id,
        step_id=step_id,
        message_id=message_id,
        sent_at=now,
    )


def _due(enrollment: Enrollment, now: datetime) -> bool:
    return enrollment.is_active and enrollment.due_at is not None and enrollment.due_at <= now


def _still_at(enrollment: Enrollment, order: SendStep) -> bool:
    return (
        enrollment.is_active
        and enrollment.generation == order.generation
        and enrollment.cursor == order.cursor
        and enrollment.version == order.version
    )
