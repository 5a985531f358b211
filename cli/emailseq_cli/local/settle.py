"""Wait until the stack has done everything already set in motion: every pipeline queue empty and idle.

This is what makes `clock advance` return only once every step due by then has run, and `outbox` show what a
just-sent event caused.
"""

import json
import time
from typing import Any

from emailseq_cli.errors import CliError
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.stack import StackInfo

_COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
_QUIET_POLLS = 3


def pipeline_queues(info: StackInfo) -> list[str]:
    return [url for name, url in info.queues.items() if "DeadLetter" not in name]


def in_flight(sqs: Any, queue_urls: list[str]) -> int:
    total = 0
    for url in queue_urls:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=_COUNTS)["Attributes"]
        total += sum(int(attributes.get(name, 0)) for name in _COUNTS)
    return total


def settle(info: StackInfo, timeout: float = 300) -> None:
    sqs = local_client("sqs", info.endpoint)
    queues = pipeline_queues(info)
    quiet, deadline = 0, time.monotonic() + timeout
    while quiet < _QUIET_POLLS:
        if time.monotonic() > deadline:
            raise CliError(f"the stack did not settle within {timeout:.0f}s; see `emailseq dlq` and the emulator log")
        quiet = quiet + 1 if in_flight(sqs, queues) == 0 else 0
        time.sleep(0.25)


def run_scheduler(info: StackInfo) -> int:
    """Invoke the scheduler now (as its schedule would) and return how many sends it queued."""
    name = next((f for f in info.functions if f.endswith("-scheduler")), None)
    if name is None:
        raise CliError("the scheduler function is not deployed; run `emailseq local up`")
    response = local_client("lambda", info.endpoint).invoke(FunctionName=name, Payload=b'{"source": "emailseq.clock"}')
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise CliError(f"the scheduler failed: {payload.get('errorMessage', payload)}")
    return int(payload.get("queued", 0))


def run_until_idle(info: StackInfo, max_rounds: int = 50) -> None:
    """Settle, then let the scheduler queue what is due and settle again, until it finds nothing due."""
    settle(info)
    for _ in range(max_rounds):
        if run_scheduler(info) == 0:
            return
        settle(info)
    raise CliError("the scheduler kept finding due sends after 50 rounds; is a step looping?")
