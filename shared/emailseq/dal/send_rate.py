"""The per-second send windows (DynamoDB counters) and the account's SES sending quota (cached per warm Lambda).

A window is one item per tenant (or the account) and epoch second: a conditional ADD takes a slot while the count
is under the limit, so racing workers on any number of Lambdas never take more than `limit` slots in one second.
The items expire a couple of minutes later through the table's TTL.
"""

import time
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from emailseq.dal.items import tenant_key, values
from emailseq.domain.rate import SendQuota

logger = Logger(child=True)

_WINDOW_TTL_SECONDS = 120  # long past its second; TTL deletion is lazy, and nothing reads an old window anyway
_ACCOUNT_KEY = "ACCOUNT#SENDRATE"


class DynamoSendRateLimiter:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def reserve(self, tenant_id: str | None, second: int, limit: int, slots: int = 1) -> bool:
        """Take `slots` slots at once (all or none): a batch's sends take their slots in one write (BatchSendSlots)."""
        if slots > limit:
            return False
        pk = tenant_key(tenant_id, "SENDRATE") if tenant_id is not None else _ACCOUNT_KEY
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}, "sk": {"S": f"SECOND#{second}"}},
                UpdateExpression="SET expires_at = :expires ADD sends :slots",
                ConditionExpression="attribute_not_exists(sends) OR sends <= :most",
                ExpressionAttributeValues=values(
                    {":slots": slots, ":most": limit - slots, ":expires": second + _WINDOW_TTL_SECONDS}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


class BatchSendSlots:
    """The account's window slots for a batch of orders in one conditional write instead of one per email.

    The handler says how many orders the batch carries (`expect`); the first send takes a slot for each order
    still to come, the next ones use those while the second lasts. A second that ends, or a batch that ends, with
    slots left wastes them (orders that were stale or failed): the rate errs on the slow side, never over. When
    the window cannot hold them all, the send falls back to one slot. A tenant's own window is taken one by one.
    """

    def __init__(self, windows: DynamoSendRateLimiter) -> None:
        self._windows = windows
        self._to_come = 0
        self._spare: tuple[int, int] = (0, 0)  # (second, slots left in it)

    def expect(self, sends: int) -> None:
        self._to_come, self._spare = sends, (0, 0)

    def reserve(self, tenant_id: str | None, second: int, limit: int) -> bool:
        if tenant_id is not None:
            return self._windows.reserve(tenant_id, second, limit)
        wanted, self._to_come = max(1, self._to_come), max(0, self._to_come - 1)
        spare_second, spare = self._spare
        if spare_second == second and spare > 0:
            self._spare = (second, spare - 1)
            return True
        if wanted > 1 and self._windows.reserve(None, second, limit, slots=wanted):
            self._spare = (second, wanted - 1)
            return True
        return self._windows.reserve(None, second, limit)

    def flush(self) -> None:
        """The batch is over: what it did not use is not carried into the next one."""
        self.expect(0)


class SesSendQuota:
    """SES's SendQuota from GetAccount, read again every `cache_seconds`. If SES cannot say (no permission, an
    outage, an emulator without the call), the deployment's `fallback_rate` stands in, and that is logged."""

    def __init__(self, sesv2: Any, fallback_rate: float, cache_seconds: float = 300.0) -> None:
        self._ses = sesv2
        self._fallback = SendQuota(max_send_rate=fallback_rate)
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, SendQuota] | None = None

    def current(self) -> SendQuota:
        if self._cached is not None and time.monotonic() - self._cached[0] < self._cache_seconds:
            return self._cached[1]
        quota = self._read()
        self._cached = (time.monotonic(), quota)
        return quota

    def _read(self) -> SendQuota:
        try:
            limits = self._ses.get_account()["SendQuota"]
            return SendQuota(
                max_send_rate=float(limits["MaxSendRate"]),
                max_24_hour_send=float(limits["Max24HourSend"]),
                sent_last_24_hours=float(limits.get("SentLast24Hours", 0.0)),
            )
        # Whatever goes wrong (no permission, an outage, an emulator without the call), sending goes on at the
        # fallback rate: the quota only tunes the pace, and SES still throttles on its own if the guess is high.
        except Exception as error:
            logger.warning(
                "SES send quota unavailable, using the deployment's fallback rate",
                extra={"fallback_max_send_rate": self._fallback.max_send_rate, "error": str(error)},
            )
            return self._fallback


class FixedSendQuota:
    """The account ceiling where SES is not the provider (an SMTP relay): the deployment's configured rate."""

    def __init__(self, max_send_rate: float) -> None:
        self._quota = SendQuota(max_send_rate=max_send_rate)

    def current(self) -> SendQuota:
        return self._quota
