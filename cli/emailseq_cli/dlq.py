"""`emailseq dlq list|redrive`: what could not be processed after every retry, and sending it back.

Works on the local stack, and in AWS with `--stack NAME` (your AWS credentials, the stack's queue outputs).
Nothing is lost: a message leaves a dead-letter queue only after it was sent back to its source queue.
"""

import json
from dataclasses import dataclass
from typing import Any

from emailseq_cli.errors import CliError

PAIRS = {
    "send": ("SendQueueUrl", "SendDeadLetterQueueUrl"),
    "enroll": ("EnrollQueueUrl", "EnrollDeadLetterQueueUrl"),
    "opt-in": ("OptInQueueUrl", "OptInDeadLetterQueueUrl"),
    "import": ("ImportQueueUrl", "ImportDeadLetterQueueUrl"),
    "quantum": ("QuantumQueueUrl", "QuantumDeadLetterQueueUrl"),
    "analytics": ("AnalyticsQueueUrl", "AnalyticsDeadLetterQueueUrl"),
    "webhook": ("WebhookQueueUrl", "WebhookDeadLetterQueueUrl"),
    "webhook-delivery": ("WebhookDeliveryQueueUrl", "WebhookDeliveryDeadLetterQueueUrl"),
    "inbound": ("InboundQueueUrl", "InboundDeadLetterQueueUrl"),
    "live": ("LiveQueueUrl", "LiveDeadLetterQueueUrl"),
    "recommend": ("RecommendQueueUrl", "RecommendDeadLetterQueueUrl"),
}


@dataclass(frozen=True)
class QueuePair:
    name: str
    source: str
    dead_letters: str


def queue_pairs(stack: str | None) -> tuple[Any, list[QueuePair]]:
    if stack is None:
        from emailseq_cli.local.aws import local_client
        from emailseq_cli.local.paths import local_paths
        from emailseq_cli.local.stack import StackInfo

        info = StackInfo.load(local_paths())
        sqs, outputs = local_client("sqs", info.endpoint), info.queues
    else:
        import boto3

        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        sqs = boto3.client("sqs")
    try:
        return sqs, [QueuePair(name, outputs[src], outputs[dlq]) for name, (src, dlq) in PAIRS.items()]
    except KeyError as missing:
        raise CliError(f"the stack has no output {missing}; is it an emailseq stack?") from missing


def peek(sqs: Any, pair: QueuePair, limit: int = 100) -> list[dict[str, Any]]:
    """Read without removing: each message is hidden for a moment only, and stays in the queue."""
    seen: dict[str, dict[str, Any]] = {}
    while len(seen) < limit:
        batch = sqs.receive_message(
            QueueUrl=pair.dead_letters, MaxNumberOfMessages=10, VisibilityTimeout=5, AttributeNames=["All"]
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen[message["MessageId"]] = {
                "queue": pair.name,
                "message_id": message["MessageId"],
                "receives": int(message["Attributes"].get("ApproximateReceiveCount", 0)),
                "body": _body(message["Body"]),
            }
        sqs.change_message_visibility_batch(
            QueueUrl=pair.dead_letters,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(batch)
            ],
        )
    return list(seen.values())


def redrive(sqs: Any, pair: QueuePair) -> int:
    """Move every message back to its source queue (sent first, deleted after: a crash duplicates, never loses;
    the workers are idempotent)."""
    moved = 0
    while batch := sqs.receive_message(QueueUrl=pair.dead_letters, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages", []
    ):
        entries = [{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(batch)]
        failed = sqs.send_message_batch(QueueUrl=pair.source, Entries=entries).get("Failed", [])
        if failed:
            raise CliError(f"could not send {len(failed)} messages back to the {pair.name} queue: {failed[:2]}")
        sqs.delete_message_batch(
            QueueUrl=pair.dead_letters,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
        moved += len(batch)
    return moved


def _body(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
