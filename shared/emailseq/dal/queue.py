"""Order queues (SendStep orders on the send queue, opt-in confirmations on theirs), ten to a request; and how a
failed or throttled order goes back to its queue."""

import random
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel


class SqsOrderQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def enqueue(self, commands: Sequence[BaseModel]) -> None:
        for start in range(0, len(commands), 10):
            batch = commands[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": c.model_dump_json()} for i, c in enumerate(batch)]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} orders: {response['Failed'][:3]}")


class SqsRetryBackoff:
    """Exponential backoff for a message whose processing failed for a passing reason (throttling, an outage):
    it is hidden for 30 s, 60 s, 120 s … (at most 15 min) instead of the queue's fixed visibility timeout."""

    def __init__(self, sqs: Any, base_seconds: int = 30, cap_seconds: int = 900) -> None:
        self._sqs = sqs
        self._base = base_seconds
        self._cap = cap_seconds
        self._urls: dict[str, str] = {}

    def delay(self, queue_arn: str, receipt_handle: str, attempt: int) -> int:
        seconds: int = min(self._cap, self._base * 2 ** max(0, attempt - 1))
        self.hide(queue_arn, receipt_handle, seconds)
        return seconds

    def hide(self, queue_arn: str, receipt_handle: str, seconds: int) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self.url(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )

    def url(self, queue_arn: str) -> str:
        if queue_arn not in self._urls:
            _, _, _, _, account, name = queue_arn.split(":", 5)
            self._urls[queue_arn] = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        return str(self._urls[queue_arn])


class SqsThrottleRetry:
    """An order that found its send window full goes back to the queue as a fresh message, delayed one or two
    seconds at random so a burst spreads out rather than coming back in step; the caller then lets the original be
    deleted. A fresh message rather than a shorter visibility for the same one: each return of the same message
    counts as a receive against the redrive policy's maxReceiveCount, and an order that merely waits its turn in a
    long burst must never end in the dead-letter queue. If the send fails, the caller fails the record instead, and
    the original comes back after the queue's visibility timeout: nothing is lost either way."""

    def __init__(self, sqs: Any, urls: SqsRetryBackoff) -> None:
        self._sqs = sqs
        self._urls = urls

    def send_back(self, queue_arn: str, body: str) -> int:
        seconds = random.randint(1, 2)
        self._sqs.send_message(QueueUrl=self._urls.url(queue_arn), MessageBody=body, DelaySeconds=seconds)
        return seconds
