"""Human durations used by sequence documents and the CLI: `90m`, `36h`, `2d`, `1w`, `30s`."""

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PATTERN = re.compile(r"^\s*(\d{1,9})\s*([smhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """Parse `<number><unit>`; raises ValueError with the accepted forms when the text is not one."""
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a duration; use a number and a unit s, m, h, d or w, e.g. 2d or 90m")
    amount, unit = int(match.group(1)), match.group(2)
    try:
        return timedelta(**{_UNITS[unit]: amount})
    except OverflowError as error:
        raise ValueError(f"'{text}' is too long a duration") from error


def format_duration(delta: timedelta) -> str:
    """The shortest exact `<number><unit>` for a duration (inverse of parse_duration)."""
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
