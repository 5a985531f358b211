"""Exactly-once side effects with Powertools idempotency, keyed on the business key (enrollment, step).

The record outlives every retry path (7 days); a repeat while the first run is in flight raises
IdempotencyAlreadyInProgressError, so the SQS message is retried later instead of sending twice.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

_SEVEN_DAYS = 7 * 24 * 3600


class PowertoolsOnceOnly:
    def __init__(self, table_name: str, dynamodb: Any) -> None:
        self.config = IdempotencyConfig(expires_after_seconds=_SEVEN_DAYS)
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)
        self._guarded = idempotent_function(
            data_keyword_argument="key", persistence_store=persistence, config=self.config
        )(_call)

    def run(self, key: str, action: Callable[[], str]) -> str:
        return str(self._guarded(key=key, action=action))


def _call(key: str, action: Callable[[], str]) -> str:
    return action()
