"""Send windows: the earliest moment an email may go out, in the contact's timezone, across DST changes."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from builders import email, sequence, started, view
from emailseq.domain.engine import advance
from emailseq.domain.sequence import SendWindow
from emailseq.domain.window import contact_zone, next_opening

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _window(
    start: str = "09:00", end: str = "17:00", days: list[str] | None = None, timezone: str = "UTC"
) -> SendWindow:
    data: dict[str, Any] = {"from": start, "to": end, "timezone": timezone, "days": days or WEEKDAYS}
    return SendWindow.model_validate(data)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def _local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


# -- Europe/Berlin, Mon-Fri 09:00-17:00 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("friday_evening", "monday_opening_utc"),
    [
        (_local(BERLIN, 2026, 1, 16, 18, 0), _utc(2026, 1, 19, 8, 0)),  # winter: CET, UTC+1
        (_local(BERLIN, 2026, 7, 17, 18, 0), _utc(2026, 7, 20, 7, 0)),  # summer: CEST, UTC+2
    ],
    ids=["winter", "summer"],
)
def test_friday_evening_waits_for_monday_nine_oclock_berlin(
    friday_evening: datetime, monday_opening_utc: datetime
) -> None:
    # Given Mon-Fri 09:00-17:00 and a contact in Berlin, on Friday at 18:00 Berlin time
    # When the next opening is asked for
    opening = next_opening(_window(), BERLIN, friday_evening.astimezone(UTC))
    # Then it is Monday 09:00 in Berlin: 08:00 UTC in winter, 07:00 UTC in summer
    assert opening == monday_opening_utc
    assert opening.tzinfo is UTC
    assert opening.astimezone(BERLIN).strftime("%a %H:%M") == "Mon 09:00"


@pytest.mark.parametrize(
    "inside",
    [_local(BERLIN, 2026, 1, 14, 9, 0), _local(BERLIN, 2026, 1, 14, 12, 30), _local(BERLIN, 2026, 7, 15, 16, 59, 59)],
    ids=["at-opening", "midday", "last-second"],
)
def test_inside_the_window_the_answer_is_now(inside: datetime) -> None:
    now = inside.astimezone(UTC)
    assert next_opening(_window(), BERLIN, now) == now


def test_the_window_closes_at_its_end_time_exactly() -> None:
    # Given Wednesday 17:00 Berlin (the end is not part of the window) / Then the next opening is Thursday 09:00
    opening = next_opening(_window(), BERLIN, _local(BERLIN, 2026, 1, 14, 17, 0).astimezone(UTC))
    assert opening == _utc(2026, 1, 15, 8, 0)


def test_early_on_a_weekday_waits_for_the_same_days_opening() -> None:
    opening = next_opening(_window(), BERLIN, _local(BERLIN, 2026, 1, 13, 6, 15).astimezone(UTC))
    assert opening == _utc(2026, 1, 13, 8, 0)


@pytest.mark.parametrize(
    "weekend",
    [_local(BERLIN, 2026, 1, 17, 0, 0), _local(BERLIN, 2026, 1, 17, 12, 0), _local(BERLIN, 2026, 1, 18, 23, 59)],
    ids=["saturday-midnight", "saturday-noon", "sunday-night"],
)
def test_a_weekend_moment_waits_for_monday(weekend: datetime) -> None:
    assert next_opening(_window(), BERLIN, weekend.astimezone(UTC)) == _utc(2026, 1, 19, 8, 0)


def test_a_window_on_one_weekday_only_may_wait_a_whole_week() -> None:
    # Given a Wednesday-only window, just after it closed on a Wednesday / Then the next Wednesday
    window = _window(days=["wed"])
    opening = next_opening(window, BERLIN, _local(BERLIN, 2026, 1, 14, 17, 30).astimezone(UTC))
    assert opening == _utc(2026, 1, 21, 8, 0)


# -- DST changes in Europe/Berlin (2026: last Sunday of March is the 29th, of October the 25th) -----------------------


def test_a_weekend_with_the_spring_change_lands_on_monday_nine_in_summer_time() -> None:
    # Given Friday 27 March 2026 18:00 CET (UTC+1); the clocks go forward on Sunday the 29th
    friday = _local(BERLIN, 2026, 3, 27, 18, 0)
    # When the next opening is asked for / Then it is Monday 30 March 09:00 CEST = 07:00 UTC
    assert next_opening(_window(), BERLIN, friday.astimezone(UTC)) == _utc(2026, 3, 30, 7, 0)


def test_a_weekend_with_the_autumn_change_lands_on_monday_nine_in_winter_time() -> None:
    # Given Friday 23 October 2026 18:00 CEST (UTC+2); the clocks go back on Sunday the 25th
    friday = _local(BERLIN, 2026, 10, 23, 18, 0)
    # Then Monday 26 October 09:00 CET = 08:00 UTC
    assert next_opening(_window(), BERLIN, friday.astimezone(UTC)) == _utc(2026, 10, 26, 8, 0)


ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_a_window_opening_at_0230_on_the_spring_forward_day_opens_at_a_real_moment_that_day() -> None:
    # Given a window from 02:30, a wall time that does not exist on Sunday 29 March 2026 in Berlin (02:00 -> 03:00)
    window = _window(start="02:30", days=ALL_WEEK)
    saturday_night = _utc(2026, 3, 28, 20, 0)  # 21:00 CET, after Saturday's window closed
    # When the next opening is asked for
    opening = next_opening(window, BERLIN, saturday_night)
    # Then it is on Sunday, after the gap (03:00 CEST = 01:00 UTC at the earliest) and no later than 03:30 CEST
    local = opening.astimezone(BERLIN)
    assert local.date().isoformat() == "2026-03-29"
    assert _utc(2026, 3, 29, 1, 0) <= opening <= _utc(2026, 3, 29, 1, 30)
    assert local.utcoffset() == BERLIN.utcoffset(datetime(2026, 7, 1))  # summer time already
    # And later that morning the window is open
    assert next_opening(window, BERLIN, _utc(2026, 3, 29, 2, 0)) == _utc(2026, 3, 29, 2, 0)


@pytest.mark.xfail(
    strict=True,
    reason="BUG: window.py _local maps the non-existent 02:30 to 03:30 CEST (shifted by the gap) although the wall "
    "clock already reads 03:00 >= 02:30 from the end of the gap; the window opens 30 minutes late that day",
)
def test_a_window_opening_at_0230_on_the_spring_forward_day_opens_when_the_gap_ends() -> None:
    # Given the 02:30 window and Sunday 29 March 2026, 03:10 CEST (01:10 UTC): the local clock is past 02:30
    window = _window(start="02:30", days=ALL_WEEK)
    now = _utc(2026, 3, 29, 1, 10)
    # When asked / Then the window is open now (and from Saturday night it opens at 03:00 CEST = 01:00 UTC)
    assert next_opening(window, BERLIN, now) == now
    assert next_opening(window, BERLIN, _utc(2026, 3, 28, 20, 0)) == _utc(2026, 3, 29, 1, 0)


def test_a_window_opening_at_0230_on_the_fall_back_day_opens_at_the_first_0230() -> None:
    # Given a window from 02:30, a wall time that happens twice on Sunday 25 October 2026 in Berlin
    window = _window(start="02:30", days=ALL_WEEK)
    # When asked on Saturday night / Then it opens at the first 02:30 (still CEST) = 00:30 UTC
    assert next_opening(window, BERLIN, _utc(2026, 10, 24, 20, 0)) == _utc(2026, 10, 25, 0, 30)


# -- which timezone ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact_timezone", "expected"),
    [
        (None, "Europe/Berlin"),
        ("", "Europe/Berlin"),
        ("Mars/Olympus_Mons", "Europe/Berlin"),
        ("Asia/Tokyo", "Asia/Tokyo"),
    ],
    ids=["none", "empty", "unknown", "known"],
)
def test_the_contacts_zone_is_used_when_known_and_the_windows_otherwise(
    contact_timezone: str | None, expected: str
) -> None:
    assert contact_zone(_window(timezone="Europe/Berlin"), contact_timezone) == ZoneInfo(expected)


def test_a_contact_without_a_timezone_is_sent_to_in_the_windows_timezone() -> None:
    # Given a Mon-Fri 09:00-17:00 Europe/Berlin window and a contact with no timezone, on Friday 18:00 Berlin (winter)
    doc = sequence(
        email("a"), send_window={"from": "09:00", "to": "17:00", "days": WEEKDAYS, "timezone": "Europe/Berlin"}
    )
    friday = _local(BERLIN, 2026, 1, 16, 18, 0).astimezone(UTC)
    # When the engine looks at the email / Then it sleeps until Monday 09:00 Berlin = 08:00 UTC
    transition = advance(started(doc, at=friday), doc, view(timezone=None), friday)
    assert transition.effect is None
    assert transition.after.due_at == _utc(2026, 1, 19, 8, 0)


# -- America/New_York -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("friday_evening", "monday_opening_utc"),
    [
        (_local(NEW_YORK, 2026, 1, 16, 18, 0), _utc(2026, 1, 19, 14, 0)),  # EST, UTC-5
        (_local(NEW_YORK, 2026, 3, 6, 18, 0), _utc(2026, 3, 9, 13, 0)),  # clocks go forward Sunday 8 March: EDT
        (_local(NEW_YORK, 2026, 10, 30, 18, 0), _utc(2026, 11, 2, 14, 0)),  # clocks go back Sunday 1 November: EST
    ],
    ids=["winter", "spring-forward-weekend", "fall-back-weekend"],
)
def test_new_york_contacts_get_monday_nine_new_york_time(
    friday_evening: datetime, monday_opening_utc: datetime
) -> None:
    # Given a window written for Berlin, but a contact in New York: the contact's zone wins
    window = _window(timezone="Europe/Berlin")
    zone = contact_zone(window, "America/New_York")
    assert next_opening(window, zone, friday_evening.astimezone(UTC)) == monday_opening_utc


def test_an_evening_in_new_york_is_already_the_next_day_in_utc() -> None:
    # Given Tuesday 20:00 in New York (Wednesday 01:00 UTC) / Then the opening is Wednesday 09:00 New York
    tuesday = _local(NEW_YORK, 2026, 1, 13, 20, 0).astimezone(UTC)
    assert next_opening(_window(), NEW_YORK, tuesday) == _utc(2026, 1, 14, 14, 0)
