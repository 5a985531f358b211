"""One chaos run: a fresh tenant, its sequences, N enrollments under injected faults, 30 days raced, then the
accounting of every contact. The stack goes back to its deployed configuration whatever happens."""

import json
import sys
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from emailseq.auth import Role

from emailseq_cli.dlq import PAIRS, QueuePair, peek
from emailseq_cli.local import emulator
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.chaos import consumers, layer, workload
from emailseq_cli.local.chaos.accounting import Plan, Tally, tally
from emailseq_cli.local.chaos.inject.faults import POINTS
from emailseq_cli.local.chaos.inject.ledger import read_ledger
from emailseq_cli.local.chaos.race import drain, race
from emailseq_cli.local.paths import local_paths, local_port
from emailseq_cli.local.stack import StackInfo, dev_token


@dataclass(frozen=True)
class Options:
    enrollments: int = 10_000
    failure_rate: float = 0.10
    no_idempotency: bool = False
    days: int = 30
    visibility_seconds: int = 8  # retries come back after this (the stack's own 40 s would make the run crawl)
    drain_timeout: float = 600  # at least; a large run gets 0.3 s per enrollment (see `patience`)
    via_api: bool = False  # events through POST /v1/events instead of onto the bus (two more invocations each)

    @property
    def patience(self) -> float:
        """How long a drain may take before giving up. The clock must not move on while the enrollments are still
        being taken in: a contact enrolled on a later day would have its last email due after the race ends."""
        return max(self.drain_timeout, self.enrollments * 0.3)


def run(options: Options) -> Tally:
    paths = local_paths()
    if not emulator.is_up(local_port()):
        raise SystemExit("the local stack is not up: `emailseq local up --detach` (make chaos does it)")
    info, run_id, started = StackInfo.load(paths), f"c{uuid.uuid4().hex[:8]}", time.monotonic()
    ledger = paths.home / "chaos" / run_id
    tenant = f"chaos-{run_id}"
    api = workload.Api(info.api_url, dev_token(info, tenant=tenant, role=Role.OWNER))
    steps = workload.prepare(api, run_id, workload.SHAPES)
    settings = layer.ChaosSettings("faults", ledger, options.failure_rate, options.no_idempotency, send_quota=1000)
    saved = _shorten_visibility(info, options.visibility_seconds)
    paused = consumers.pause_side_consumers(info)
    layer.attach(info, settings, only=frozenset(POINTS))  # faults strike the engine's functions only
    engine = consumers.engine_queue_urls(info)
    try:
        _say(f"run {run_id}: {options.enrollments} enrollments, {options.failure_rate:.0%} of invocations fail")
        if options.via_api:
            plan = workload.enroll(api, steps, run_id, options.enrollments, options.failure_rate)
        else:
            plan = workload.enroll_via_bus(info, tenant, steps, run_id, options.enrollments, options.failure_rate)
        _say(f"  events accepted: {len(plan.enrolled)} ({time.monotonic() - started:.0f}s)")
        drain(info, options.patience, engine)  # every enrollment taken in and its first email sent
        race(paths, info, options.days, options.patience, engine)
    finally:
        layer.detach(info)
        _restore_visibility(info, saved)
        consumers.resume(info, paused)  # they catch up on the events kept in their queues
    plan = replace(plan, steps=workload.due_steps(workload.SHAPES, options.days))  # a short race promises less
    result = tally(plan, accepted_messages(info), _dead_letters(info, api, plan, run_id))
    _report(ledger, run_id, options, result, time.monotonic() - started)
    return result


def _shorten_visibility(info: StackInfo, seconds: int) -> dict[str, str]:
    sqs, saved = local_client("sqs", info.endpoint), {}
    for url in consumers.engine_queue_urls(info):
        saved[url] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"][
            "VisibilityTimeout"
        ]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(seconds)})
    return saved


def _restore_visibility(info: StackInfo, saved: dict[str, str]) -> None:
    sqs = local_client("sqs", info.endpoint)
    for url, seconds in saved.items():
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": seconds})


def accepted_messages(info: StackInfo) -> list[tuple[str, str]]:
    """(recipient, subject) of everything the emulator's SES accepted (as `emailseq outbox` reads it)."""
    response = httpx.get(f"{info.endpoint}/_ministack/ses/messages", timeout=120)
    response.raise_for_status()
    messages = [m for batch in response.json().get("messages", {}).values() for m in batch]
    return [(to, str(m.get("Subject", ""))) for m in messages for to in m.get("To", [])]


def _dead_letters(info: StackInfo, api: workload.Api, plan: Plan, run_id: str) -> list[tuple[str, str]]:
    """(contact address, sequence) of each of this run's messages parked in the send or enroll DLQ."""
    sqs, tenant = local_client("sqs", info.endpoint), f"chaos-{run_id}"
    parked: list[tuple[str, str]] = []
    for name in ("send", "enroll"):
        pair = QueuePair(name, info.queues[PAIRS[name][0]], info.queues[PAIRS[name][1]])
        for message in peek(sqs, pair, limit=100_000):
            parked += _parked(message["body"], tenant, api)
    return parked


def _parked(body: Any, tenant: str, api: workload.Api) -> list[tuple[str, str]]:
    detail = body.get("detail", body) if isinstance(body, dict) else {}
    if detail.get("tenant_id") != tenant:
        return []
    if "contact" in detail:  # an event the enroller never took in
        return [(str(detail["contact"]["email"]).lower(), str(detail["type"]).removeprefix("chaos."))]
    with api.client() as http:  # a send order: its contact's address, through the API (PII is sealed at rest)
        found = http.get(f"/v1/contacts/{detail['contact_id']}/export")
    address = found.json().get("contact", {}).get("email", "") if found.status_code == 200 else ""
    return [(str(address).lower(), str(detail["sequence_id"]))]


def _report(ledger: Path, run_id: str, options: Options, result: Tally, seconds: float) -> None:
    totals = read_ledger(ledger)
    faults = {f"{fn}/{point}/{state}": n for (fn, point, state), n in sorted(totals.faults.items())}
    details = {"run": run_id, "options": asdict(options), "seconds": round(seconds), "faults": faults}
    details["tally"] = asdict(result)
    (ledger / "report.json").write_text(json.dumps(details, indent=2))
    _say(f"  faults injected: {json.dumps(faults)}")
    _say(f"  {seconds:.0f}s in all; details in {ledger / 'report.json'}")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
