"""Analytics as the domain events arrive: day counters per sequence and step, attributed conversions, export rows;
and the daily series read back (the stored counters only: nothing is scanned or recomputed at read time)."""

from dataclasses import dataclass
from datetime import date, timedelta

from emailseq.domain.analytics import (
    DEFAULT_ATTRIBUTION_WINDOW,
    DayCounts,
    LastClick,
    attribute,
    daily_series,
    tally_for,
)
from emailseq.domain.errors import InvalidInput
from emailseq.domain.messages import DomainEvent, EnrollmentConverted, LinkClicked
from emailseq.domain.ports import AnalyticsStore

MAX_DAYS = 366


@dataclass(frozen=True)
class AnalyticsPorts:
    store: AnalyticsStore
    attribution_window: timedelta = DEFAULT_ATTRIBUTION_WINDOW


def record(ports: AnalyticsPorts, event: DomainEvent) -> bool:
    """Count `event` once; False when it counts nothing or was counted before (a redelivery)."""
    tally = tally_for(event)
    if tally is None:
        return False
    if isinstance(event, LinkClicked):
        # Before the count: a redelivered click is not counted again but must still be remembered for attribution.
        click = LastClick(step_id=event.step_id, at=event.clicked_at)
        ports.store.note_click(event.tenant_id, event.contact_id, event.sequence_id, click)
    if isinstance(event, EnrollmentConverted):
        last = ports.store.last_click(event.tenant_id, event.contact_id, event.sequence_id)
        tally = attribute(tally, last, ports.attribution_window)
    return ports.store.count(tally)


def daily(
    ports: AnalyticsPorts, tenant_id: str, sequence_id: str, step_ids: list[str], first: date, last: date
) -> list[DayCounts]:
    check_range(first, last)
    rows = ports.store.daily(tenant_id, sequence_id, first, last)
    return daily_series(rows, first, last, step_ids)


def check_range(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput("to", f"{last} is before from ({first})")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput("to", f"at most {MAX_DAYS} days per request")
