"""Send windows in the contact's own timezone, DST-correct: when may an email go out at the earliest?"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emailseq.domain.sequence import WEEKDAYS, SendWindow


def contact_zone(window: SendWindow, contact_timezone: str | None) -> ZoneInfo:
    """The contact's IANA zone; the window's own zone when the contact has none (or an unknown one)."""
    if contact_timezone:
        try:
            return ZoneInfo(contact_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(window.timezone)


def next_opening(window: SendWindow, zone: ZoneInfo, now: datetime) -> datetime:
    """`now` if the window is open then, else the start of the next opening (in UTC)."""
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        opens, closes = _local(day, window.from_, zone), _local(day, window.to, zone)
        if now < closes:
            return max(now, opens).astimezone(UTC)
    raise ValueError("a send window with at least one day always opens within a week")


def _local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # Through UTC and back: a wall time that does not exist on a DST change (02:30 in spring) lands on the real
    # instant just after the gap instead of an ambiguous one.
    naive = datetime.combine(day, moment)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
