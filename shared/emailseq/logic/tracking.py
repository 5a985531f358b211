"""Opens, clicks and unsubscribes, from verified tracking tokens (see rendering.tracking)."""

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from emailseq.domain.enrollment import Enrollment
from emailseq.domain.messages import ContactUnsubscribed, DomainEvent, EmailOpened, LinkClicked
from emailseq.domain.ports import AuditTrail, Clock, ConsentStore, ContactRepository, EnrollmentStore, EventBus
from emailseq.logic.engagement import AiPorts, note_engaged, send_key
from emailseq.logic.segments import SegmentHook, refresh_segments
from emailseq.rendering.tracking import Claim

logger = Logger(child=True)


@dataclass(frozen=True)
class TrackingPorts:
    contacts: ContactRepository
    enrollments: EnrollmentStore
    clock: Clock
    consents: ConsentStore | None = None  # double opt-in confirmations arrive through the same edge
    audit: AuditTrail | None = None  # unsubscribes and consents are changes of consent: kept in the audit log
    segments: SegmentHook | None = None  # engagement segments re-evaluated on a human open or a click
    bus: EventBus | None = None  # first opens, first clicks and unsubscribes published as domain events
    ai: AiPorts | None = None  # engagement histories (send times, scores) and subject-line arm rewards


def record_open(ports: TrackingPorts, claim: Claim, machine: bool = False) -> bool:
    """Count an open once per (enrollment, step); True the first time. A machine open (privacy proxy, scanner)
    is counted apart and does not make the email `opened` for branches."""
    enrollment = _enrollment(ports, claim)
    fact = "machine_opened" if machine else "opened"
    if not machine:
        _engaged(ports, claim, "opened")
    first = enrollment is not None and ports.enrollments.record_fact(enrollment, fact, claim.send.step)
    if first:
        send, now = claim.send, ports.clock.now()
        _publish(ports, EmailOpened(**_ids(claim), generation=send.generation, machine=machine, opened_at=now))
    if first and not machine:
        _learned(ports, claim, "opened")
    return first


def record_click(ports: TrackingPorts, claim: Claim) -> bool:
    """Count a click once per (enrollment, step); a click is also an open (the pixel may have been blocked)."""
    enrollment = _enrollment(ports, claim)
    _engaged(ports, claim, "clicked")
    if enrollment is None:
        return False
    opened = ports.enrollments.record_fact(enrollment, "opened", claim.send.step)
    first = ports.enrollments.record_fact(enrollment, "clicked", claim.send.step)
    now, generation = ports.clock.now(), claim.send.generation
    if opened:  # counted as an open on the report: the daily series and webhooks hear of it too
        _publish(ports, EmailOpened(**_ids(claim), generation=generation, machine=False, opened_at=now))
        _learned(ports, claim, "opened")
    if first:
        _publish(ports, LinkClicked(**_ids(claim), generation=generation, url=claim.url, clicked_at=now))
        _learned(ports, claim, "clicked")
    return first


def unsubscribe(ports: TrackingPorts, claim: Claim, source: str) -> bool:
    """The contact gets nothing more from any sequence; counted once against the email that carried the link."""
    first = ports.contacts.unsubscribe(claim.send.tenant, claim.send.contact, ports.clock.now(), source)
    enrollment = _enrollment(ports, claim)
    if first and enrollment is not None:
        ports.enrollments.record_fact(enrollment, "unsubscribed", claim.send.step)
    if first and ports.audit is not None:
        details = {"source": source, "sequence": claim.send.sequence, "step": claim.send.step}
        ports.audit.record(claim.send.tenant, "contact", "contact.unsubscribed", claim.send.contact, details)
    if first:
        _publish(ports, ContactUnsubscribed(**_ids(claim), source=source, unsubscribed_at=ports.clock.now()))
    return first


def _ids(claim: Claim) -> dict[str, str]:
    send = claim.send
    return {"tenant_id": send.tenant, "contact_id": send.contact, "sequence_id": send.sequence, "step_id": send.step}


def _publish(ports: TrackingPorts, event: DomainEvent) -> None:
    # After the fact is stored, and never in the way of the answer: a reader's click must redirect even when the
    # bus is down. Such an event is missing from analytics and webhooks (logged); the fact itself is kept.
    if ports.bus is None:
        return
    try:
        ports.bus.publish([event])
    except Exception:  # any failure of the bus, whatever its kind
        logger.warning("domain event not published", extra={"event": type(event).__name__}, exc_info=True)


def _engaged(ports: TrackingPorts, claim: Claim, kind: str) -> None:
    if ports.segments is None:
        return
    now = ports.clock.now()
    kinds = ("opened", "clicked") if kind == "clicked" else ("opened",)  # a click is an open too
    contact = None
    for each in kinds:
        contact = ports.segments.contacts.note_engagement(claim.send.tenant, claim.send.contact, each, now)
    if contact is not None:
        refresh_segments(ports.segments.audiences, [contact], ports.clock)


def _learned(ports: TrackingPorts, claim: Claim, kind: str) -> None:
    """A first open or click: into the contact's engagement history and the subject-line arm's rewards."""
    if ports.ai is None:
        return
    send = claim.send
    contact = ports.contacts.get(send.tenant, send.contact)
    note_engaged(ports.ai, contact, kind, ports.clock.now())
    key = send_key(send.sequence, send.contact, send.generation, send.step)
    ports.ai.arms.reward(send.tenant, send.sequence, send.step, key, "opens" if kind == "opened" else "clicks")


def _enrollment(ports: TrackingPorts, claim: Claim) -> Enrollment | None:
    found = ports.enrollments.get(claim.send.tenant, claim.send.contact, claim.send.sequence)
    return found if found is not None and found.generation == claim.send.generation else None
