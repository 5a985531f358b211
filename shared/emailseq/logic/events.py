"""Take in a contact event: once per event id, then onto the bus for the enroller."""

from emailseq.domain.errors import RateLimited
from emailseq.domain.messages import RecordEvent
from emailseq.domain.ports import Clock, EventBus, EventLog, EventRateLimiter
from emailseq.domain.tenant import TenantSettings


def record_event(log: EventLog, bus: EventBus, command: RecordEvent) -> bool:
    """Publish the event unless its id was already taken in; True when it was new.

    The claim comes first so a retried request cannot publish twice; if publishing fails the claim is released,
    so the caller's retry (same id) is not mistaken for a duplicate and nothing is lost.
    """
    if not log.claim(command):
        return False
    try:
        bus.publish_contact_event(command)
    except Exception:
        log.release(command)
        raise
    return True


def admit_event(limiter: EventRateLimiter, clock: Clock, tenant_id: str, limit: int) -> None:
    """Count the event against the tenant's per-second budget, or raise RateLimited (the caller answers 429)."""
    second = int(clock.now().timestamp())
    if not limiter.take(tenant_id, second, limit):
        raise RateLimited("events", limit, retry_after_seconds=1)


def events_per_second(platform_limit: int, settings: TenantSettings) -> int:
    """The tenant may set a lower limit for itself (to protect what it triggers); never a higher one."""
    own = settings.max_events_per_second
    return platform_limit if own is None else min(own, platform_limit)
