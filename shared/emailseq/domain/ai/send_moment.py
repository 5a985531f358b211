"""`send_at: optimal`: within the send window, the hour the contact is most likely to open in.

The search covers a fixed horizon from when the step was reached (a week: every hour of the week once), so an
enrollment that sleeps until its best hour sends when it wakes there instead of postponing again; if the estimate
changed meanwhile, the best of what is left of the horizon wins, and at its end the email goes at the window's
next opening, as without the option.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emailseq.domain.ai.send_time import hour_of_week
from emailseq.domain.sequence import SendWindow
from emailseq.domain.window import contact_zone, next_opening

HORIZON = timedelta(days=7)
_HOUR = timedelta(hours=1)


def optimal_moment(
    rates: tuple[float, ...],
    window: SendWindow | None,
    zone: ZoneInfo,
    reached_at: datetime,
    now: datetime,
) -> datetime | None:
    """The earliest allowed moment of the best remaining hour; None when the horizon is used up."""
    best: tuple[float, datetime] | None = None
    slot = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = reached_at + HORIZON
    while slot < end:
        moment = _allowed_within(window, zone, max(slot, now), slot + _HOUR)
        if moment is not None:
            rate = rates[hour_of_week(slot, zone)]
            if best is None or rate > best[0]:  # strictly better: ties go to the earliest hour
                best = (rate, moment)
        slot += _HOUR
    return best[1] if best else None


def local_zone(window: SendWindow | None, timezone: str | None) -> ZoneInfo:
    """The contact's zone (the window's, or UTC, when it has none or an unknown one)."""
    if window is not None:
        return contact_zone(window, timezone)
    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _allowed_within(window: SendWindow | None, zone: ZoneInfo, start: datetime, end: datetime) -> datetime | None:
    if window is None:
        return start
    opening = next_opening(window, zone, start)
    return opening if opening < end else None
