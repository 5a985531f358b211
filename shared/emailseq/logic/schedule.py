"""The scheduler: read what is due from the time index, lease it, and queue its send."""

from dataclasses import dataclass

from emailseq.domain.enrollment import SEND_LEASE
from emailseq.domain.ports import Clock, EnrollmentStore, StepQueue
from emailseq.logic.enroll import send_order


@dataclass(frozen=True)
class Dispatched:
    read: int  # due enrollments read from the index (a full page means there may be more)
    queued: int  # of those, the ones this run leased and queued (others were taken by a concurrent run)


def dispatch_due(enrollments: EnrollmentStore, queue: StepQueue, clock: Clock, page_size: int = 500) -> Dispatched:
    """Queue one page of due sends (call again while `read` comes back as a full page).

    Leasing before queueing means a crash between the two loses nothing: the lease runs out and the
    enrollment is due again. A lease lost to another scheduler run is skipped.
    """
    now = clock.now()
    due = enrollments.due(now, page_size)
    leased = [enrollment for enrollment in due if enrollments.lease(enrollment, now, now + SEND_LEASE)]
    if leased:
        queue.enqueue([send_order(enrollment) for enrollment in leased])
    return Dispatched(read=len(due), queued=len(leased))


@dataclass(frozen=True)
class SchedulePorts:
    enrollments: EnrollmentStore
    queue: StepQueue
    clock: Clock


def dispatch_all_due(ports: SchedulePorts, page_size: int, max_pages: int) -> int:
    """Queue pages of due sends until a page comes back short (or max_pages, left for the next run); returns how
    many were queued."""
    queued = 0
    for _ in range(max_pages):
        page = dispatch_due(ports.enrollments, ports.queue, ports.clock, page_size)
        queued += page.queued
        if page.read < page_size:
            break
    return queued
