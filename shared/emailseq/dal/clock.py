"""The real clock, optionally shifted (local time travel only; in AWS neither shift is configured).

The shift is a fixed offset from configuration plus, when a parameter name is configured, an offset read from
SSM Parameter Store (re-read at most once a second), so `emailseq clock` can move a running stack's clock
without redeploying or restarting a function.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

REFRESH_SECONDS = 1.0


class SystemClock:
    def __init__(self, offset_seconds: float = 0.0, offset_source: Callable[[], float] | None = None) -> None:
        self._offset = timedelta(seconds=offset_seconds)
        self._source = offset_source
        self._shift = 0.0
        self._read_at = float("-inf")

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset + timedelta(seconds=self._current_shift())

    def _current_shift(self) -> float:
        if self._source is not None and time.monotonic() - self._read_at >= REFRESH_SECONDS:
            self._shift = self._source()
            self._read_at = time.monotonic()
        return self._shift


def ssm_offset(ssm: Any, name: str) -> Callable[[], float]:
    def read() -> float:
        try:
            return float(ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "ParameterNotFound":
                return 0.0
            raise

    return read
