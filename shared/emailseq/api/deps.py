"""The adapters the API routes use, built once per warm Lambda (and swappable in tests via dependency_overrides)."""

from dataclasses import dataclass
from functools import cache

from emailseq.dal.api_keys import DynamoApiKeys
from emailseq.dal.aws import client
from emailseq.dal.bus import EventBridgeBus
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.event_log import DynamoEventLog
from emailseq.dal.rate_limits import DynamoEventRateLimiter
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.dal.tenants import DynamoTenantSettings
from emailseq.domain.ports import (
    ApiKeyStore,
    Clock,
    ContactRepository,
    EventBus,
    EventLog,
    EventRateLimiter,
    SequenceRepository,
    TenantSettingsRepository,
)
from emailseq.logic.enroll import EnrollPorts
from emailseq.settings import ApiSettings, EnrollerSettings
from emailseq.wiring import clock_for, enroll_ports


@dataclass(frozen=True)
class ApiPorts:
    sequences: SequenceRepository
    contacts: ContactRepository
    event_log: EventLog
    bus: EventBus
    clock: Clock


@cache
def enroll_ports_for_api() -> EnrollPorts:
    settings = ApiSettings()
    if settings.send_queue_url is None:
        raise RuntimeError("EMAILSEQ_SEND_QUEUE_URL is not configured for this function")
    return enroll_ports(
        EnrollerSettings(
            table_name=settings.table_name,
            bus_name=settings.bus_name,
            send_queue_url=settings.send_queue_url,
            clock_offset_seconds=settings.clock_offset_seconds,
            clock_offset_parameter=settings.clock_offset_parameter,
        )
    )


@cache
def api_ports() -> ApiPorts:
    settings = ApiSettings()
    db = client("dynamodb")
    clock = clock_for(settings)
    return ApiPorts(
        sequences=DynamoSequenceRepository(db, settings.table_name),
        contacts=DynamoContactRepository(db, settings.table_name),
        event_log=DynamoEventLog(db, settings.table_name, clock),
        bus=EventBridgeBus(client("events"), settings.bus_name),
        clock=clock,
    )


@cache
def tenant_settings() -> TenantSettingsRepository:
    return DynamoTenantSettings(client("dynamodb"), ApiSettings().table_name)


@cache
def api_key_store() -> ApiKeyStore:
    return DynamoApiKeys(client("dynamodb"), ApiSettings().table_name)


@dataclass(frozen=True)
class EventLimits:
    limiter: EventRateLimiter
    per_second: int  # the deployment's limit per tenant


@cache
def event_limits() -> EventLimits:
    settings = ApiSettings()
    return EventLimits(DynamoEventRateLimiter(client("dynamodb"), settings.table_name), settings.events_per_second)


def clear_caches() -> None:
    """Forget the adapters built so far (tests start a new emulated AWS for every test)."""
    for cached in (api_ports, enroll_ports_for_api, tenant_settings, api_key_store, event_limits):
        cached.cache_clear()
