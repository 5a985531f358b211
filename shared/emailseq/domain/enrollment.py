"""The enrollment state machine: where a contact stands in a sequence and when its next step is due.

An enrollment's `cursor` always points at the next email step to run (or past the end once finished); wait steps
are folded into `due_at`, so the scheduler only ever sees "send step N at time T".
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from emailseq.domain.sequence import EmailStep, SequenceDocument, WaitStep

# How long a dispatched send may take before the scheduler offers it again (the sender's guard absorbs repeats).
SEND_LEASE = timedelta(minutes=15)


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CONVERTED = "converted"
    EXITED = "exited"


@dataclass(frozen=True)
class NextStep:
    """Where an enrollment goes next: the email step at `cursor` due at `due_at`, or finished when due_at is None."""

    cursor: int
    due_at: datetime | None


def plan_from(sequence: SequenceDocument, index: int, now: datetime) -> NextStep:
    """Walk the steps from `index`, adding up waits, until the next email step (or the end)."""
    delay = timedelta(0)
    for position in range(index, len(sequence.steps)):
        step = sequence.steps[position]
        if isinstance(step, EmailStep):
            return NextStep(cursor=position, due_at=now + delay)
        if isinstance(step, WaitStep):
            delay += step.wait
    return NextStep(cursor=len(sequence.steps), due_at=None)


@dataclass(frozen=True)
class Enrollment:
    tenant_id: str
    contact_id: str
    sequence_id: str
    version: int
    generation: int
    cursor: int
    status: EnrollmentStatus
    due_at: datetime | None
    enrolled_at: datetime
    goal_event: str | None = None

    @property
    def enrollment_id(self) -> str:
        return f"{self.sequence_id}:{self.contact_id}:{self.generation}"

    @property
    def is_active(self) -> bool:
        return self.status is EnrollmentStatus.ACTIVE

    @classmethod
    def start(
        cls, tenant_id: str, contact_id: str, sequence: SequenceDocument, version: int, now: datetime
    ) -> "Enrollment":
        first = plan_from(sequence, 0, now)
        return cls(
            tenant_id=tenant_id,
            contact_id=contact_id,
            sequence_id=sequence.id,
            version=version,
            generation=1,
            cursor=first.cursor,
            status=EnrollmentStatus.ACTIVE,
            due_at=first.due_at,
            enrolled_at=now,
            goal_event=sequence.goal.event if sequence.goal else None,
        )

    def current_step(self, sequence: SequenceDocument) -> EmailStep:
        step = sequence.steps[self.cursor]
        if not isinstance(step, EmailStep):
            raise ValueError(f"enrollment {self.enrollment_id} points at a non-email step {self.cursor}")
        return step

    def after_send(self, sequence: SequenceDocument, now: datetime) -> "Enrollment":
        """The enrollment once the email at the cursor went out: positioned at the next email, or completed."""
        following = plan_from(sequence, self.cursor + 1, now)
        status = EnrollmentStatus.ACTIVE if following.due_at is not None else EnrollmentStatus.COMPLETED
        return replace(self, cursor=following.cursor, due_at=following.due_at, status=status)

    def converted(self) -> "Enrollment":
        return replace(self, status=EnrollmentStatus.CONVERTED, due_at=None)

    def exited(self) -> "Enrollment":
        return replace(self, status=EnrollmentStatus.EXITED, due_at=None)
