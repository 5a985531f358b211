"""Turns the counted calls of a bench run into priced quantities per email (used by cost_per_million.py)."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from emailseq_cli.local.chaos.inject.ledger import LedgerTotals

# Not charged in AWS, or not what this bench prices: SES itself, and the local-only clock parameter (SSM is only
# read on the local stage; in AWS `clockOffsetParameter` is off).
EXCLUDED = {"sesv2", "ssm"}
# The queues each published event is delivered to by the bus's rules (infrastructure/*.yml; a unit test keeps the
# two in step): every delivery is an SQS SendMessage billed to us.
ROUTES = {
    "contact.event": 1,  # the enroll queue
    "ContactEnrolled": 4,  # analytics, webhooks, live feed, recommender
    "EmailSent": 3,
    "EmailOpened": 3,
    "LinkClicked": 4,
    "ContactUnsubscribed": 3,
    "EnrollmentConverted": 3,
}
REPLACED = "scheduler"  # what the naive design replaces with one schedule per email
NAIVE_ASSUMPTIONS = (
    "per email one EventBridge Scheduler invocation (the schedule's creation is free), one SQS message (send, "
    "receive, delete: 3 requests) and one Lambda invocation doing the same work per email as our sender (its "
    "measured GB-seconds, DynamoDB, S3, KMS and Secrets Manager calls); no scheduler function and no time index; "
    "event intake and the event consumers as measured here."
)


@dataclass(frozen=True)
class Usage:
    emails: int
    invocations: Counter[str]  # function → handler invocations
    handler_ms: Counter[str]  # function → handler time, summed
    waiting_ms: Counter[str]  # function → of that, time spent waiting on AWS answers (the emulator's, here)
    calls: Counter[str]  # function → AWS calls made
    memory_mb: dict[str, int]
    units: dict[str, Counter[str]]  # function → priced quantity name (a key of aws_prices.json) → amount

    @classmethod
    def of(cls, totals: LedgerTotals, memory_mb: dict[str, int], emails: int, queue_fed: frozenset[str]) -> "Usage":
        units: dict[str, Counter[str]] = {}
        calls: Counter[str] = Counter()
        for (function, service, operation), count in totals.calls.items():
            calls[function] += count
            if service not in EXCLUDED:
                items = totals.items[(function, service, operation)]
                units.setdefault(function, Counter()).update(_priced(service, operation, count, items))
        for (function, detail_type), count in totals.published.items():
            units.setdefault(function, Counter())["sqs_request"] += ROUTES.get(detail_type, 0) * count
        for function in queue_fed & set(totals.invocations):  # its event source mapping: a receive + a delete
            units.setdefault(function, Counter())["sqs_request"] += 2 * totals.invocations[function]
        units.setdefault("apiEvents", Counter())["http_api_request"] += totals.invocations["apiEvents"]
        return cls(emails, totals.invocations, totals.milliseconds, totals.waiting, calls, memory_mb, units)

    def gb_seconds(self, functions: list[str], call_ms: float | None = None) -> float:
        """GB-seconds of these functions as measured; or, given `call_ms`, with every AWS call answered in that
        time instead of the emulator's (the handler's own work stays as measured)."""
        total = 0.0
        for fn in functions:
            ms = float(self.handler_ms[fn])
            if call_ms is not None:
                ms = max(0.0, ms - self.waiting_ms[fn]) + self.calls[fn] * call_ms
            total += ms / 1000 * self.memory_mb.get(fn, 512) / 1024
        return total


def _priced(service: str, operation: str, count: int, items: int) -> dict[str, float]:
    if service == "dynamodb":
        factor = 2 if operation.startswith("Transact") else 1
        amount = items * factor if operation.startswith(("Transact", "Batch")) else count
        is_read = operation in {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
        return {"dynamodb_read_unit" if is_read else "dynamodb_write_unit": amount}
    if service == "events":
        return {"eventbridge_event": items if operation == "PutEvents" else 0}
    if service == "s3":
        return {"s3_get" if operation in {"GetObject", "HeadObject"} else "s3_put": count}
    names = {"sqs": "sqs_request", "kms": "kms_request", "secretsmanager": "secrets_manager_call"}
    return {names.get(service, f"unpriced {service}"): count}


def _price(prices: dict[str, Any], name: str, amount: float, emails: int) -> tuple[float, float]:
    entry = prices.get(name, {"usd": 0.0, "per": 1})
    per_email = amount / emails
    return per_email, per_email * 1_000_000 * entry["usd"] / entry["per"]


def _summed(units: dict[str, Counter[str]], functions: list[str]) -> Counter[str]:
    total: Counter[str] = Counter()
    for fn in functions:
        total.update(units.get(fn, Counter()))
    return total


def our_cost(usage: Usage, prices: dict[str, Any], call_ms: float | None = None) -> dict[str, tuple[float, float]]:
    """Item → (quantity per email, $ per 1M emails)."""
    functions = sorted(set(usage.invocations) | set(usage.units))
    rows = {
        "lambda_request": float(sum(usage.invocations.values())),
        "lambda_gb_second": usage.gb_seconds(functions, call_ms),
        **{name: float(amount) for name, amount in sorted(_summed(usage.units, functions).items())},
    }
    return {name: _price(prices, name, amount, usage.emails) for name, amount in rows.items()}


def naive_cost(usage: Usage, prices: dict[str, Any], call_ms: float | None = None) -> dict[str, tuple[float, float]]:
    """The same run without our scheduler: its calls, invocations and time are gone, and every email pays a
    schedule, an SQS message and an invocation of its own (the sender's batches and their polls are gone too)."""
    emails = usage.emails
    kept = sorted((set(usage.invocations) | set(usage.units)) - {REPLACED})
    units = _summed(usage.units, kept)
    units["sqs_request"] -= 2 * usage.invocations["sender"]  # our sender's batch receives and deletes
    units["sqs_request"] += 3 * emails
    rows = {
        "scheduler_invocation": float(emails),
        "lambda_request": float(emails + sum(usage.invocations[fn] for fn in kept if fn != "sender")),
        "lambda_gb_second": usage.gb_seconds(kept, call_ms),
        **{name: float(amount) for name, amount in sorted(units.items())},
    }
    return {name: _price(prices, name, amount, emails) for name, amount in rows.items()}
