"""Take in a contact event: once per event id, then onto the bus for the enroller."""

from emailseq.domain.messages import RecordEvent
from emailseq.domain.ports import EventBus, EventLog


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
