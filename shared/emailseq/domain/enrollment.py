"""An enrollment: where one contact stands in one sequence version, and what it has seen on the way."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from emailseq.domain.sequence import SequenceDocument

# How long a dispatched send may take before the scheduler offers it again (the sender's guard absorbs repeats).
SEND_LEASE = timedelta(minutes=15)


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CONVERTED = "converted"
    EXITED = "exited"


@dataclass(frozen=True)
class Facts:
    """What happened since enrollment that steps may test: emails opened/clicked (by step id), events seen."""

    opened: frozenset[str] = frozenset()
    clicked: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Enrollment:
    tenant_id: str
    contact_id: str
    sequence_id: str
    version: int
    generation: int
    cursor: int  # index into the compiled program of `version` (see domain.program)
    status: EnrollmentStatus
    due_at: datetime | None  # when the engine should look at it next; None once it has ended
    enrolled_at: datetime
    goal_event: str | None = None
    step_started_at: datetime | None = None  # when the cursor reached its current instruction
    waiting_for: str | None = None  # the event a wait_until is waiting for (the enroller wakes it)
    watch_events: tuple[str, ...] = ()
    ended_at: datetime | None = None
    facts: Facts = field(default_factory=Facts)
    exit_reason: str | None = None  # why it exited early (e.g. `erased`); None otherwise

    @property
    def enrollment_id(self) -> str:
        return f"{self.sequence_id}:{self.contact_id}:{self.generation}"

    @property
    def is_active(self) -> bool:
        return self.status is EnrollmentStatus.ACTIVE

    @classmethod
    def start(
        cls,
        tenant_id: str,
        contact_id: str,
        sequence: SequenceDocument,
        version: int,
        now: datetime,
        generation: int = 1,
    ) -> "Enrollment":
        """A new enrollment at the first step, due at once."""
        return cls(
            tenant_id=tenant_id,
            contact_id=contact_id,
            sequence_id=sequence.id,
            version=version,
            generation=generation,
            cursor=0,
            status=EnrollmentStatus.ACTIVE,
            due_at=now,
            enrolled_at=now,
            goal_event=sequence.goal.event if sequence.goal else None,
            step_started_at=now,
            watch_events=tuple(sequence.watched_events()),
        )

    def may_reenroll(self, sequence: SequenceDocument, now: datetime) -> bool:
        after = sequence.reenroll_after
        return not self.is_active and after is not None and self.ended_at is not None and now >= self.ended_at + after

    def ended(self, status: EnrollmentStatus, now: datetime) -> "Enrollment":
        return replace(self, status=status, due_at=None, waiting_for=None, ended_at=now)

    def converted(self, now: datetime) -> "Enrollment":
        return self.ended(EnrollmentStatus.CONVERTED, now)

    def exited(self, now: datetime, reason: str | None = None) -> "Enrollment":
        return replace(self.ended(EnrollmentStatus.EXITED, now), exit_reason=reason)
