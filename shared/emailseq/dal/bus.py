"""The EventBridge bus: contact events for the enroller, domain events for whoever subscribes."""

import json
from typing import Any

from emailseq.domain.messages import DomainEvent, RecordEvent

SOURCE = "emailseq"
CONTACT_EVENT = "contact.event"


class EventBridgeBus:
    def __init__(self, events: Any, bus_name: str) -> None:
        self._events = events
        self._bus = bus_name

    def publish_contact_event(self, command: RecordEvent) -> None:
        self._put([self._entry(CONTACT_EVENT, command.model_dump_json())])

    def publish(self, events: list[DomainEvent]) -> None:
        self._put([self._entry(type(event).__name__, event.model_dump_json()) for event in events])

    def _entry(self, detail_type: str, detail: str) -> dict[str, str]:
        return {"Source": SOURCE, "DetailType": detail_type, "Detail": detail, "EventBusName": self._bus}

    def _put(self, entries: list[dict[str, str]]) -> None:
        for start in range(0, len(entries), 10):
            response = self._events.put_events(Entries=entries[start : start + 10])
            if response.get("FailedEntryCount", 0):
                failed = [e for e in response["Entries"] if "ErrorCode" in e]
                raise RuntimeError(f"EventBridge refused {len(failed)} entries: {json.dumps(failed)[:500]}")
