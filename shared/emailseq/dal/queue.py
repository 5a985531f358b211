"""The send queue: SendStep orders, ten to a request."""

from typing import Any

from emailseq.domain.messages import SendStep


class SqsStepQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def enqueue(self, commands: list[SendStep]) -> None:
        for start in range(0, len(commands), 10):
            batch = commands[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": c.model_dump_json()} for i, c in enumerate(batch)]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} send orders: {response['Failed'][:3]}")
