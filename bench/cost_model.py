"""Turns the counted calls of a bench run into priced quantities per email (used by cost_per_million.py)."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from emailseq_cli.local.chaos.inject.ledger import LedgerTotals

# Not charged in AWS, or not what this bench prices: SES itself, and the local-only clock parameter (SSM is only
# read on the local stage; in AWS `clockOffsetParameter` is off).
EXCLUDED = {"sesv2", "ssm"}
INGEST = ("authorizer", "apiEvents", "enroller")  # what takes an event in and enrolls: the same in both designs
QUEUE_FED = ("enroller", "sender", "importer", "optIn")  # SQS event-source mappings: a receive + a delete a batch
NAIVE_ASSUMPTIONS = (
    "per email one EventBridge Scheduler invocation (the schedule's creation is free), one SQS message (send, "
    "receive, delete: 3 requests) and one Lambda invocation doing the same work per email as our sender (its "
    "measured GB-seconds, DynamoDB, S3, KMS and Secrets Manager calls); event intake (HTTP API, authorizer, "
    "events function, EventBridge, enroller) as measured here."
)


@dataclass(frozen=True)
class Usage:
    emails: int
    invocations: Counter[str]
    gb_seconds: dict[str, float]
    units: Counter[str]  # priced quantity name (a key of aws_prices.json) → amount
    intake_sqs: float  # SQS requests of the intake path (rule deliveries, the enroller's batches)

    @classmethod
    def of(cls, totals: LedgerTotals, memory_mb: dict[str, int], emails: int) -> "Usage":
        units: Counter[str] = Counter()
        for (_, service, operation), count in totals.calls.items():
            if service not in EXCLUDED:
                items = totals.items[(_, service, operation)]
                units.update(_priced(service, operation, count, items))
        deliveries = sum(
            n for (fn, svc, op), n in totals.items.items() if (fn, svc, op) == ("apiEvents", "events", "PutEvents")
        )
        polls = sum(2 * totals.invocations[fn] for fn in QUEUE_FED)
        units.update({"sqs_request": deliveries + polls, "http_api_request": totals.invocations["apiEvents"]})
        seconds = {fn: ms / 1000 * memory_mb.get(fn, 512) / 1024 for fn, ms in totals.milliseconds.items()}
        intake_sqs = deliveries + 2 * totals.invocations["enroller"]
        return cls(emails, totals.invocations, seconds, units, intake_sqs)


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


def our_cost(usage: Usage, prices: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Item → (quantity per email, $ per 1M emails)."""
    rows = {
        "lambda_request": float(sum(usage.invocations.values())),
        "lambda_gb_second": sum(usage.gb_seconds.values()),
        **{name: float(amount) for name, amount in sorted(usage.units.items())},
    }
    return {name: _price(prices, name, amount, usage.emails) for name, amount in rows.items()}


def naive_cost(usage: Usage, prices: dict[str, Any]) -> dict[str, tuple[float, float]]:
    emails = usage.emails
    shared = {k: v for k, v in usage.units.items() if k not in {"sqs_request"}}
    rows = {
        "scheduler_invocation": float(emails),
        "sqs_request": 3.0 * emails + usage.intake_sqs,
        "lambda_request": float(emails + sum(usage.invocations[fn] for fn in INGEST)),
        "lambda_gb_second": usage.gb_seconds.get("sender", 0.0) + sum(usage.gb_seconds.get(fn, 0.0) for fn in INGEST),
        **{name: float(amount) for name, amount in sorted(shared.items())},
    }
    return {name: _price(prices, name, amount, emails) for name, amount in rows.items()}
