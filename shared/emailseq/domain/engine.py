"""The engine: from an enrollment and the moment, the next thing to do. Pure: effects are returned, not done.

`advance` runs instructions that need nothing from the outside world (branches, jumps, splits, waits that are
over) until it meets one that does: an email to send, an attribute to set, a webhook to call (an Effect, done by
the caller exactly once), or a reason to sleep (a wait, a closed send window, a wait_until). The caller stores
the resulting enrollment with a conditional write and, after an effect, calls `advance` again.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from emailseq.domain.ai.send_moment import local_zone, optimal_moment
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.program import Instruction, Op, compile_program
from emailseq.domain.sequence import SequenceDocument, json_equal
from emailseq.domain.steps import (
    BranchStep,
    Condition,
    EmailStep,
    SplitStep,
    UpdateAttributeStep,
    WaitStep,
    WaitUntilStep,
    WebhookStep,
)
from emailseq.domain.window import contact_zone, next_opening


@dataclass(frozen=True)
class SendEmail:
    step: EmailStep


@dataclass(frozen=True)
class UpdateAttributes:
    step: UpdateAttributeStep


@dataclass(frozen=True)
class CallWebhook:
    step: WebhookStep


Effect = SendEmail | UpdateAttributes | CallWebhook


@dataclass(frozen=True)
class ContactView:
    """What the engine may know of the contact: its attributes (for branches) and its timezone (for windows)."""

    contact_id: str
    timezone: str | None = None
    attributes: dict[str, Any] | None = None
    send_hours: tuple[float, ...] | None = None  # open probability per local hour of week (`send_at: optimal`)
    score: float | None = None  # engagement score, 0-1 (branch `score:`); None when the tenant has no model


@dataclass(frozen=True)
class Transition:
    after: Enrollment
    effect: Effect | None = None
    effect_at: int = -1  # the instruction the effect belongs to: with the enrollment, its exactly-once key


def advance(enrollment: Enrollment, document: SequenceDocument, contact: ContactView, now: datetime) -> Transition:
    program = compile_program(document)
    current = enrollment
    while current.is_active:
        if current.cursor >= len(program):
            return Transition(current.ended(EnrollmentStatus.COMPLETED, now))
        instruction = program[current.cursor]
        outcome = _execute(instruction, current, document, contact, now)
        if isinstance(outcome, Transition):
            return outcome
        current = outcome
    return Transition(current)


def _execute(
    instruction: Instruction, at: Enrollment, document: SequenceDocument, contact: ContactView, now: datetime
) -> Enrollment | Transition:
    """One instruction: the enrollment moved on (run the next), or a Transition (stop here)."""
    step = instruction.step
    match instruction.op:
        case Op.EMAIL:
            assert isinstance(step, EmailStep)
            return _email(step, at, document, contact, now)
        case Op.WAIT:
            assert isinstance(step, WaitStep)
            # The next instruction starts when the wait ends (a wait_until after it times out from then).
            return Transition(_moved(at, at.cursor + 1, now + step.wait))
        case Op.WAIT_UNTIL:
            assert isinstance(step, WaitUntilStep)
            return _wait_until(step, at, now)
        case Op.BRANCH:
            assert isinstance(step, BranchStep)
            holds = _holds(step.branch.if_, at, contact)
            return _moved(at, at.cursor + 1 if holds else instruction.target, now)
        case Op.JUMP:
            return _moved(at, instruction.target, now)
        case Op.SPLIT:
            assert isinstance(step, SplitStep)
            return _moved(at, _variant_start(instruction, step, contact.contact_id), now)
        case Op.UPDATE_ATTRIBUTE:
            assert isinstance(step, UpdateAttributeStep)
            return Transition(_moved(at, at.cursor + 1, now), UpdateAttributes(step), at.cursor)
        case Op.WEBHOOK:
            assert isinstance(step, WebhookStep)
            return Transition(_moved(at, at.cursor + 1, now), CallWebhook(step), at.cursor)
        case Op.EXIT:
            return Transition(at.exited(now))
    raise AssertionError(f"unknown instruction {instruction.op}")


def _email(
    step: EmailStep, at: Enrollment, document: SequenceDocument, contact: ContactView, now: datetime
) -> Transition:
    if step.send_at == "optimal" and contact.send_hours is not None:
        zone = local_zone(document.send_window, contact.timezone)
        best = optimal_moment(contact.send_hours, document.send_window, zone, at.step_started_at or now, now)
        if best is not None and best > now:  # the best hour is still ahead: sleep until then
            return Transition(replace(at, due_at=best))
        if best is not None:
            return Transition(_moved(at, at.cursor + 1, now), SendEmail(step), at.cursor)
    if document.send_window is not None:
        zone = contact_zone(document.send_window, contact.timezone)
        opening = next_opening(document.send_window, zone, now)
        if opening > now:  # outside the window: sleep until it opens, still at this step
            return Transition(replace(at, due_at=opening))
    return Transition(_moved(at, at.cursor + 1, now), SendEmail(step), at.cursor)


def _wait_until(step: WaitUntilStep, at: Enrollment, now: datetime) -> Enrollment | Transition:
    started = at.step_started_at or now
    if step.wait_until.event in at.facts.events or now >= started + step.wait_until.timeout:
        return _moved(at, at.cursor + 1, now)
    return Transition(replace(at, due_at=started + step.wait_until.timeout, waiting_for=step.wait_until.event))


def _holds(condition: Condition, at: Enrollment, contact: ContactView) -> bool:
    if condition.opened is not None:
        return condition.opened in at.facts.opened
    if condition.clicked is not None:
        return condition.clicked in at.facts.clicked
    if condition.event is not None:
        return condition.event in at.facts.events
    if condition.score is not None:  # no model yet (or no history): the test does not hold
        return contact.score is not None and condition.score.holds(contact.score)
    assert condition.attribute is not None
    ((name, wanted),) = condition.attribute.items()
    return json_equal((contact.attributes or {}).get(name), wanted)


def _variant_start(instruction: Instruction, step: SplitStep, contact_id: str) -> int:
    """The same contact always lands in the same variant of a split (a stable hash, not a coin flip)."""
    total = sum(weight for weight, _ in instruction.targets)
    point = int.from_bytes(hashlib.sha256(f"{contact_id}|{step.id}".encode()).digest()[:8], "big") % total
    for weight, start in instruction.targets:
        if point < weight:
            return start
        point -= weight
    raise AssertionError("split weights are validated to sum above zero")


def _moved(at: Enrollment, cursor: int, now: datetime) -> Enrollment:
    return replace(at, cursor=cursor, step_started_at=now, waiting_for=None, due_at=now)
