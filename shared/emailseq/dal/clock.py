"""The real clock, optionally shifted by a configured offset (local time travel; zero in AWS)."""

from datetime import UTC, datetime, timedelta


class SystemClock:
    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
