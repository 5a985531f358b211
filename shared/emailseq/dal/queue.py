"""Order queues (SendStep orders on the send queue, opt-in confirmations on theirs), ten to a request."""

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
        self._sqs.change_message_visibility(
            QueueUrl=self._url(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
        return seconds

    def _url(self, queue_arn: str) -> str:
        if queue_arn not in self._urls:
            _, _, _, _, account, name = queue_arn.split(":", 5)
            self._urls[queue_arn] = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        return str(self._urls[queue_arn])
