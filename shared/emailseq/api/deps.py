"""The adapters the API routes use, built once per warm Lambda (and swappable in tests via dependency_overrides)."""

from dataclasses import dataclass
from functools import cache

from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.clock import SystemClock
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.event_log import DynamoEventLog
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.domain.ports import Clock, ContactRepository, EventBus, EventLog, SequenceRepository
from emailseq.settings import ApiSettings


@dataclass(frozen=True)
class ApiPorts:
    sequences: SequenceRepository
    contacts: ContactRepository
    event_log: EventLog
    bus: EventBus
    clock: Clock


@cache
def api_ports() -> ApiPorts:
    settings = ApiSettings()
    db = client("dynamodb")
    clock = SystemClock(settings.clock_offset_seconds)
    return ApiPorts(
        sequences=DynamoSequenceRepository(db, settings.table_name),
        contacts=DynamoContactRepository(db, settings.table_name),
        event_log=DynamoEventLog(db, settings.table_name, clock),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
    )
