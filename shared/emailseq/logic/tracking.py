"""Opens, clicks and unsubscribes, from verified tracking tokens (see rendering.tracking)."""

from dataclasses import dataclass

from emailseq.domain.enrollment import Enrollment
from emailseq.domain.messages import EmailOpened, LinkClicked
from emailseq.domain.ports import AuditTrail, Clock, ConsentStore, ContactRepository, EnrollmentStore, EventBus
from emailseq.logic.segments import SegmentHook, refresh_segments
from emailseq.rendering.tracking import Claim


@dataclass(frozen=True)
class TrackingPorts:
    contacts: ContactRepository
    enrollments: EnrollmentStore
    clock: Clock
    consents: ConsentStore | None = None  # double opt-in confirmations arrive through the same edge
    audit: AuditTrail | None = None  # unsubscribes and consents are changes of consent: kept in the audit log
    segments: SegmentHook | None = None  # engagement segments re-evaluated on a human open or a click
    bus: EventBus | None = None  # first human opens and first clicks, as domain events (live feed, analytics)


def record_open(ports: TrackingPorts, claim: Claim, machine: bool = False) -> bool:
    """Count an open once per (enrollment, step); True the first time. A machine open (privacy proxy, scanner)
    is counted apart and does not make the email `opened` for branches."""
    enrollment = _enrollment(ports, claim)
    fact = "machine_opened" if machine else "opened"
    if not machine:
        _engaged(ports, claim, "opened")
    first = enrollment is not None and ports.enrollments.record_fact(enrollment, fact, claim.send.step)
    if first and not machine and ports.bus is not None:
        send = claim.send
        opened = EmailOpened(
            tenant_id=send.tenant,
            contact_id=send.contact,
            sequence_id=send.sequence,
            step_id=send.step,
            opened_at=ports.clock.now(),
        )
        ports.bus.publish([opened])
    return first


def record_click(ports: TrackingPorts, claim: Claim) -> bool:
    """Count a click once per (enrollment, step); a click is also an open (the pixel may have been blocked)."""
    enrollment = _enrollment(ports, claim)
    _engaged(ports, claim, "clicked")
    if enrollment is None:
        return False
    ports.enrollments.record_fact(enrollment, "opened", claim.send.step)
    first = ports.enrollments.record_fact(enrollment, "clicked", claim.send.step)
    if first and ports.bus is not None:
        send = claim.send
        clicked = LinkClicked(
            tenant_id=send.tenant,
            contact_id=send.contact,
            sequence_id=send.sequence,
            step_id=send.step,
            url=claim.url or "",
            clicked_at=ports.clock.now(),
        )
        ports.bus.publish([clicked])
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
    return first


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


def _enrollment(ports: TrackingPorts, claim: Claim) -> Enrollment | None:
    found = ports.enrollments.get(claim.send.tenant, claim.send.contact, claim.send.sequence)
    return found if found is not None and found.generation == claim.send.generation else None
