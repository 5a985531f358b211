"""Exactly-once side effects with Powertools idempotency, keyed on the business key (enrollment, step).

The record outlives every retry path (7 days); a repeat while the first run is in flight raises
IdempotencyAlreadyInProgressError, so the SQS message is retried later instead of sending twice.
"""

import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

_SEVEN_DAYS = 7 * 24 * 3600
# Marking a done action complete is tried this many times (0.1 s, 0.2 s, 0.4 s, 0.8 s apart) before giving up.
_COMPLETION_ATTEMPTS = 5


class _InsistentCompletion(DynamoDBPersistenceLayer):
    """The email is out when the record is marked complete. If that write fails, the record stays in progress,
    expires with the invocation, and the retry sends the email again: the chaos run found exactly that (7 in
    2,500 with a single refused write). So the completion is retried here, on top of botocore's own retries."""

    def _update_record(self, data_record: DataRecord) -> None:
        for attempt in range(_COMPLETION_ATTEMPTS):
            try:
                super()._update_record(data_record)
                return
            except Exception:
                if attempt == _COMPLETION_ATTEMPTS - 1:
                    raise
                time.sleep(0.1 * 2**attempt)


class PowertoolsOnceOnly:
    def __init__(self, table_name: str, dynamodb: Any) -> None:
        self.config = IdempotencyConfig(expires_after_seconds=_SEVEN_DAYS)
        persistence = _InsistentCompletion(table_name=table_name, boto3_client=dynamodb)
        self._guarded = idempotent_function(
            data_keyword_argument="key", persistence_store=persistence, config=self.config
        )(_call)

    def run(self, key: str, action: Callable[[], str]) -> str:
        return str(self._guarded(key=key, action=action))


def _call(key: str, action: Callable[[], str]) -> str:
    return action()
