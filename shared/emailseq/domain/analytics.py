"""What each domain event adds to a sequence's analytics: its business key (counted once), the day's counters it
moves, and the row it leaves for exports. Conversions are attributed to the last email clicked within a window.

Pure: the store applies a Tally in one conditional write (a marker per business key), so a redelivered event,
whatever the queue does, is counted once.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from emailseq.domain.messages import (
    ContactEnrolled,
    ContactUnsubscribed,
    DomainEvent,
    EmailOpened,
    EmailSent,
    EnrollmentConverted,
    LinkClicked,
)

DEFAULT_ATTRIBUTION_WINDOW = timedelta(days=7)
STEP_METRICS = ("sent", "delivered", "opened", "machine_opened", "clicked", "unsubscribed", "bounced", "converted")
SEQUENCE_METRICS = ("enrolled", "converted")

# The public name of each domain event: in exports, and as the webhook event type.
EVENT_NAMES: dict[type[DomainEvent], str] = {
    ContactEnrolled: "sequence.enrolled",
    EmailSent: "email.sent",
    EmailOpened: "email.opened",
    LinkClicked: "email.clicked",
    ContactUnsubscribed: "contact.unsubscribed",
    EnrollmentConverted: "sequence.converted",
}


@dataclass(frozen=True)
class Tally:
    """One event's contribution: `metric` + 1 on the day (per step when `step_id`), and a row for exports."""

    tenant_id: str
    sequence_id: str
    key: str  # the business key: the same fact, however often delivered, has the same key
    event: str  # public name (EVENT_NAMES)
    contact_id: str
    at: datetime
    metric: str
    step_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # Running per-step totals to add, for what the enrollment's own writes do not count (attributed conversions).
    totals: tuple[tuple[str, str], ...] = ()
    attributed_step: str | None = None  # a conversion's step, when a click of it came within the window

    @property
    def day(self) -> str:
        return self.at.date().isoformat()

    @property
    def counters(self) -> list[tuple[str | None, str]]:
        """(step id, or None for the sequence's own counter; metric) of the day's counters this event moves."""
        moved: list[tuple[str | None, str]] = [(self.step_id, self.metric)]
        if self.attributed_step is not None:
            moved.append((self.attributed_step, self.metric))
        return moved


@dataclass(frozen=True)
class LastClick:
    step_id: str
    at: datetime


def tally_for(event: DomainEvent) -> Tally | None:
    """What `event` counts; None when it concerns no sequence (an unsubscribe from outside any email)."""
    match event:
        case ContactEnrolled():
            key = f"enrolled/{event.contact_id}/{event.sequence_id}/{event.enrolled_at.isoformat()}"
            return _tally(event, event.sequence_id, key, event.enrolled_at, "enrolled")
        case EmailSent():
            detail = {"message_id": event.message_id}
            return _tally(
                event, event.sequence_id, f"sent/{event.message_id}", event.sent_at, "sent", event.step_id, detail
            )
        case EmailOpened():
            metric = "machine_opened" if event.machine else "opened"
            key = f"{metric}/{event.contact_id}/{event.sequence_id}/{event.generation}/{event.step_id}"
            return _tally(
                event, event.sequence_id, key, event.opened_at, metric, event.step_id, {"machine": event.machine}
            )
        case LinkClicked():
            key = f"clicked/{event.contact_id}/{event.sequence_id}/{event.generation}/{event.step_id}"
            return _tally(event, event.sequence_id, key, event.clicked_at, "clicked", event.step_id, {"url": event.url})
        case ContactUnsubscribed():
            if event.sequence_id is None:
                return None
            key = f"unsubscribed/{event.contact_id}/{event.sequence_id}/{event.unsubscribed_at.isoformat()}"
            return _tally(
                event,
                event.sequence_id,
                key,
                event.unsubscribed_at,
                "unsubscribed",
                event.step_id,
                {"source": event.source},
            )
        case EnrollmentConverted():
            key = f"converted/{event.contact_id}/{event.sequence_id}/{event.converted_at.isoformat()}"
            return _tally(
                event, event.sequence_id, key, event.converted_at, "converted", None, {"goal_event": event.goal_event}
            )
    return None


def _tally(
    event: DomainEvent,
    sequence_id: str,
    key: str,
    at: datetime,
    metric: str,
    step_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Tally:
    return Tally(
        tenant_id=event.tenant_id,
        sequence_id=sequence_id,
        key=key,
        event=EVENT_NAMES[type(event)],
        contact_id=event.contact_id,
        at=at,
        metric=metric,
        step_id=step_id,
        detail=detail or {},
    )


def attributed_step(last: LastClick | None, converted_at: datetime, window: timedelta) -> str | None:
    """The step whose email was clicked last, if that click came within `window` before the conversion."""
    if last is None or last.at > converted_at or converted_at - last.at > window:
        return None
    return last.step_id


def attribute(conversion: Tally, last: LastClick | None, window: timedelta) -> Tally:
    """The conversion credited to the last clicked email within `window` (counted on that step too)."""
    step = attributed_step(last, conversion.at, window)
    if step is None:
        return conversion
    detail = {**conversion.detail, "attributed_step": step}
    return replace(conversion, attributed_step=step, totals=((step, "converted"),), detail=detail)


@dataclass(frozen=True)
class DayCounts:
    day: str
    totals: dict[str, int]  # SEQUENCE_METRICS
    steps: dict[str, dict[str, int]]  # step id → STEP_METRICS


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def daily_series(
    rows: list[tuple[str, str | None, dict[str, int]]], first: date, last: date, step_ids: list[str]
) -> list[DayCounts]:
    """Every day from `first` to `last` (zeros where nothing happened), each step of the sequence on each day.
    `rows` are the stored counters: (day, step id or None for the sequence's own, metric → count)."""
    found = {(day, step): counts for day, step, counts in rows}
    return [
        DayCounts(
            day=day,
            totals={m: found.get((day, None), {}).get(m, 0) for m in SEQUENCE_METRICS},
            steps={step: {m: found.get((day, step), {}).get(m, 0) for m in STEP_METRICS} for step in step_ids},
        )
        for day in days_between(first, last)
    ]
