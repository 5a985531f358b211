"""`/v1/sequences`: apply (create or new version), read, and the per-step report."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from emailseq.api.arms import ArmReport, arm_reports
from emailseq.api.deliverability import DeliverabilityOut, deliverability_out
from emailseq.api.deps import ApiPorts, api_ports, preview_ports
from emailseq.api.principal import Caller, Editor
from emailseq.domain.errors import InvalidInput, NotFound
from emailseq.domain.ports import StepCounts, StoredSequence
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.preview import PreviewPorts, preview_and_check
from emailseq.logic.sequences import apply_sequence

router = APIRouter(prefix="/v1/sequences", tags=["sequences"])
SequenceId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Ports = Annotated[ApiPorts, Depends(api_ports)]


class SequenceOut(BaseModel):
    id: str
    version: int
    changed: bool
    content_hash: str
    created_at: datetime
    document: dict[str, Any]
    status: str = "active"


class SequenceSummary(BaseModel):
    id: str
    name: str
    status: str
    version: int
    trigger: str
    goal: str | None
    created_at: datetime


class SequenceListOut(BaseModel):
    sequences: list[SequenceSummary]


class StepReport(BaseModel):
    id: str
    sent: int
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    machine_opened: int = 0  # privacy-proxy and scanner fetches, not counted in `opened`
    delivered: int = 0
    bounced: int = 0
    converted: int = 0  # conversions credited to this email: its link was the last clicked within the window
    arms: list[ArmReport] | None = None  # subject-line bandit steps only (`subjects:`)


class ReportOut(BaseModel):
    sequence_id: str
    enrolled: int
    completed: int
    converted: int
    exited: int
    unsubscribed: int = 0
    steps: list[StepReport]
    # The funnel's totals over the steps (SPEC §3: enrolled, sent, opened, clicked, converted, exited, unsubscribed)
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    machine_opened: int = 0
    clicked: int = 0
    bounced: int = 0


def _out(stored: StoredSequence, changed: bool) -> SequenceOut:
    return SequenceOut(
        id=stored.document.id,
        version=stored.version,
        changed=changed,
        content_hash=stored.content_hash,
        created_at=stored.created_at,
        document=stored.document.canonical(),
        status=stored.status,
    )


@router.get("", response_model=SequenceListOut)
def list_sequences(caller: Caller, ports: Ports) -> SequenceListOut:
    """The tenant's sequences with their status (active, paused, archived), by id."""
    summaries = [
        SequenceSummary(
            id=stored.document.id,
            name=stored.document.name,
            status=stored.status,
            version=stored.version,
            trigger=stored.document.trigger.event,
            goal=stored.document.goal.event if stored.document.goal else None,
            created_at=stored.created_at,
        )
        for stored in ports.sequences.listing(caller.tenant_id)
    ]
    return SequenceListOut(sequences=summaries)


@router.put("/{sequence_id}", response_model=SequenceOut)
def put_sequence(sequence_id: SequenceId, body: dict[str, Any], caller: Editor, ports: Ports) -> SequenceOut:
    if body.setdefault("id", sequence_id) != sequence_id:
        raise InvalidInput("id", f"the document's id '{body['id']}' differs from the path's '{sequence_id}'")
    document = SequenceDocument.model_validate(body)
    applied = apply_sequence(ports.sequences, ports.clock, caller.tenant_id, document)
    if applied.changed and ports.audit is not None:
        details = {"version": applied.stored.version, "content_hash": applied.stored.content_hash}
        ports.audit.record(caller.tenant_id, caller.subject, "sequence.applied", sequence_id, details)
    return _out(applied.stored, applied.changed)


@router.get("/{sequence_id}", response_model=SequenceOut)
def get_sequence(sequence_id: SequenceId, caller: Caller, ports: Ports) -> SequenceOut:
    stored = ports.sequences.current(caller.tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    return _out(stored, changed=False)


# exclude_none: `arms` appears only on subject-line bandit steps (every other report field is always set)
@router.get("/{sequence_id}/report", response_model=ReportOut, response_model_exclude_none=True)
def get_report(sequence_id: SequenceId, caller: Caller, ports: Ports) -> ReportOut:
    stored = ports.sequences.current(caller.tenant_id, sequence_id)
    if stored is None:
        raise NotFound("sequence", sequence_id)
    counts = ports.sequences.counts(caller.tenant_id, sequence_id)
    steps = [
        _step_report(step.id, counts.steps.get(step.id)).model_copy(
            update={"arms": arm_reports(ports.arms, caller.tenant_id, sequence_id, step)}
        )
        for step in stored.document.email_steps()
    ]
    return ReportOut(
        sequence_id=sequence_id,
        enrolled=counts.enrolled,
        completed=counts.completed,
        converted=counts.converted,
        exited=counts.exited,
        unsubscribed=sum(step.unsubscribed for step in steps),
        steps=steps,
        **{name: sum(getattr(step, name) for step in steps) for name in _STEP_TOTALS},
    )


_STEP_TOTALS = ("sent", "delivered", "opened", "machine_opened", "clicked", "bounced")


def _step_report(step_id: str, counts: StepCounts | None) -> StepReport:
    if counts is None:
        return StepReport(id=step_id, sent=0)
    return StepReport(
        id=step_id,
        sent=counts.sent,
        opened=counts.opened,
        clicked=counts.clicked,
        unsubscribed=counts.unsubscribed,
        machine_opened=counts.machine_opened,
        delivered=counts.delivered,
        bounced=counts.bounced,
        converted=counts.converted,
    )


class PreviewOut(BaseModel):
    to: str
    subject: str
    html: str
    text: str
    deliverability: DeliverabilityOut


@router.get("/{sequence_id}/steps/{step_id}/preview", response_model=PreviewOut)
def preview(
    sequence_id: SequenceId,
    step_id: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")],
    caller: Caller,
    ports: Annotated[PreviewPorts, Depends(preview_ports)],
    email: Annotated[
        str | None, Query(max_length=254, description="A contact's address; a sample contact if left out.")
    ] = None,
    check: Annotated[bool, Query(description="Score the message with SpamAssassin (when configured).")] = True,
) -> PreviewOut:
    """The email as this contact would get it (links become tracked redirects only when really sent), and the
    spam score of the full message the sender would send."""
    shown = preview_and_check(ports, caller.tenant_id, sequence_id, step_id, email, check)
    rendered = shown.email
    return PreviewOut(
        to=rendered.to,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        deliverability=deliverability_out(shown.deliverability),
    )
