"""Race the local clock through the days, letting everything due run at each stop, whatever fails on the way.

Like `emailseq clock advance` (move the clock, settle the queues, run the scheduler until nothing is due), but an
injected failure of the scheduler is retried instead of ending the command, and the queues are given as long as
their retries need.
"""

import json
import sys
import time
from datetime import timedelta
from typing import Any

from emailseq_cli.local.aws import local_client
from emailseq_cli.local.clock import local_now, move_to
from emailseq_cli.local.paths import LocalPaths
from emailseq_cli.local.settle import in_flight, pipeline_queues
from emailseq_cli.local.stack import StackInfo

# Two empty looks a quarter second apart: a batch being handled counts as in flight (received, not yet deleted) and
# a worker queues what follows before its batch is deleted, so no chain goes unseen between two looks.
_QUIET_POLLS = 2
_POLL_SECONDS = 0.25


def race(paths: LocalPaths, info: StackInfo, days: int, drain_timeout: float, queues: list[str] | None = None) -> None:
    start = local_now(paths)
    for day in range(1, days + 1):
        move_to(paths, info, start + timedelta(days=day, seconds=1))
        began = time.monotonic()
        rounds = drain(info, drain_timeout, queues)
        print(f"  day {day}: {rounds} scheduler rounds, {time.monotonic() - began:.0f}s", file=sys.stderr, flush=True)


def drain(info: StackInfo, timeout: float, queues: list[str] | None = None) -> int:
    """Settle, run the scheduler, again, until it queues nothing and nothing is in flight. Returns the rounds.

    `queues`: the ones to wait for (default: every pipeline queue)."""
    sqs, lambdas = local_client("sqs", info.endpoint), local_client("lambda", info.endpoint)
    queues, deadline, rounds = queues or pipeline_queues(info), time.monotonic() + timeout, 0
    scheduler = next(name for name in info.functions if name.endswith("-scheduler"))
    while time.monotonic() < deadline:
        _settle(sqs, queues, deadline)
        rounds += 1
        if _schedule(lambdas, scheduler) == 0 and in_flight(sqs, queues) == 0:
            return rounds
    print(f"  gave up draining after {timeout:.0f}s", file=sys.stderr, flush=True)
    return rounds


def _settle(sqs: Any, queues: list[str], deadline: float) -> None:
    quiet = 0
    while quiet < _QUIET_POLLS and time.monotonic() < deadline:
        quiet = quiet + 1 if in_flight(sqs, queues) == 0 else 0
        time.sleep(_POLL_SECONDS)


def _schedule(lambdas: Any, name: str) -> int:
    """Sends the scheduler queued; -1 when this invocation failed (an injected fault): the caller goes round again."""
    response = lambdas.invoke(FunctionName=name, Payload=b'{"source": "emailseq.chaos"}')
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        return -1
    return int(payload.get("queued", 0))
