"""AWS charges other than SES per 1,000,000 emails, counted on the local stack, next to the naive design.

Sends a known number of emails (contacts times a 3-step sequence, waits of a day raced by the local clock) with the
chaos layer in counting mode (docs/chaos.md): every AWS call each function makes and each handler's time are
counted, then priced with bench/aws_prices.json (us-east-1 list prices, each with its source). Needs the local
stack up (`make bench` brings it up). Usage: python bench/cost_per_million.py [CONTACTS]
"""

import json
import sys
import time
import uuid
from pathlib import Path

from emailseq.auth import Role
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.chaos import layer, workload
from emailseq_cli.local.chaos.accounting import tally
from emailseq_cli.local.chaos.inject.ledger import LedgerTotals, read_ledger
from emailseq_cli.local.chaos.race import drain, race
from emailseq_cli.local.chaos.run import accepted_messages
from emailseq_cli.local.paths import local_paths
from emailseq_cli.local.stack import StackInfo, dev_token

sys.path.insert(0, str(Path(__file__).parent))
from cost_model import NAIVE_ASSUMPTIONS, Usage, naive_cost, our_cost

PRICES = json.loads((Path(__file__).parent / "aws_prices.json").read_text())
SHAPE = {"three": (0, 1, 1)}  # e1, wait 1d, e2, wait 1d, e3


AWS_CALL_MS = 10.0  # an assumption for the second line, not a measurement: see the note printed with it


def measure(contacts: int) -> tuple[int, LedgerTotals, dict[str, int], frozenset[str]]:
    """Sends the emails with every call counted; returns (emails sent, the ledger, memory MB per function, the
    functions fed by SQS event source mappings)."""
    paths = local_paths()
    info, run_id = StackInfo.load(paths), f"b{uuid.uuid4().hex[:8]}"
    ledger = paths.home / "chaos" / run_id
    api = workload.Api(info.api_url, dev_token(info, tenant=f"cost-{run_id}", role=Role.OWNER))
    steps = workload.prepare(api, run_id, SHAPE)
    drain(info, 900)  # what earlier runs left in the queues and the sequence changes' own work are not the emails'
    layer.attach(info, layer.ChaosSettings("count", ledger, send_quota=1000))
    try:
        plan = workload.enroll(api, steps, run_id, contacts, repeat_rate=0.0)
        drain(info, 600)
        # A wait counts from when its step ran, i.e. just after the clock moved: 3 stops for 2 one-day waits.
        race(paths, info, days=3, drain_timeout=600)
    finally:
        layer.detach(info)
    result = tally(plan, accepted_messages(info), [])
    if result.lost or result.duplicates:
        raise SystemExit(f"the bench run did not send every email once: {result.line()}")
    lambdas = local_client("lambda", info.endpoint)
    memory = {
        layer.short_name(n): lambdas.get_function_configuration(FunctionName=n)["MemorySize"] for n in info.functions
    }
    pages = lambdas.get_paginator("list_event_source_mappings").paginate()
    queue_fed = frozenset(
        layer.short_name(m["FunctionArn"].rsplit(":", 1)[-1])
        for page in pages
        for m in page["EventSourceMappings"]
        if m["EventSourceArn"].startswith("arn:aws:sqs:")
    )
    return result.delivered, read_ledger(ledger), memory, queue_fed


def main() -> None:
    contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    started = time.monotonic()
    emails, totals, memory, queue_fed = measure(contacts)
    usage = Usage.of(totals, memory, emails, queue_fed)
    ours, naive = our_cost(usage, PRICES), naive_cost(usage, PRICES)
    print("cost per 1,000,000 emails, AWS charges other than SES (us-east-1 list prices, bench/aws_prices.json)")
    print(
        f"measured: {emails} emails to {contacts} contacts through a 3-step sequence on the local stack "
        f"({time.monotonic() - started:.0f}s)"
    )
    _table("emailseq", ours)
    _table("naive design", naive)
    total, naive_total = _total(ours), _total(naive)
    _totals(total, naive_total)
    waited = sum(usage.waiting_ms.values()) / max(1, sum(usage.calls.values()))
    ours_aws, naive_aws = _total(our_cost(usage, PRICES, AWS_CALL_MS)), _total(naive_cost(usage, PRICES, AWS_CALL_MS))
    print(
        f"Lambda time above is the emulator's: a handler waited {waited:.1f} ms per AWS call on average here. "
        f"With each call answered in {AWS_CALL_MS:.0f} ms instead (an assumption, not measured: DynamoDB "
        "advertises single-digit ms) and the handlers' own work as measured:"
    )
    _totals(ours_aws, naive_aws)
    print("naive design: " + NAIVE_ASSUMPTIONS)


def _table(title: str, rows: dict[str, tuple[float, float]]) -> None:
    print(f"{title:<44}{'per email':>14}{'$ per 1M emails':>18}")
    for item, (per_email, dollars) in rows.items():
        print(f"  {item:<42}{per_email:>14.4f}{dollars:>18.2f}")


def _totals(ours: float, naive: float) -> None:
    print(f"  emailseq {ours:.2f} $ per 1M emails, naive design {naive:.2f} ({naive / ours:.2f}x emailseq)")


def _total(rows: dict[str, tuple[float, float]]) -> float:
    return sum(dollars for _, dollars in rows.values())


if __name__ == "__main__":
    main()
