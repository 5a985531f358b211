"""The cost bench's pricing (bench/cost_model.py): counted calls and handler time turned into $ per 1M emails."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from emailseq_cli.local.chaos.inject.ledger import LedgerTotals

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def cost_model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cost_model", BENCH / "cost_model.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


QUEUE_FED = frozenset({"sender", "enroller"})


def _ten_emails() -> LedgerTotals:
    totals = LedgerTotals()
    for fields in [
        ["call", "sender", "dynamodb", "TransactWriteItems", "3", "40.0"],  # 3 items: 6 write units
        ["call", "sender", "sesv2", "SendEmail", "1", "20.0"],  # SES: not priced here
        ["call", "sender", "ssm", "GetParameter", "1", "10.0"],  # the local clock: not in AWS
        ["call", "sender", "events", "PutEvents", "10", "30.0"],
        *[["event", "sender", "EmailSent"] for _ in range(10)],  # each to analytics, webhooks, live feed
        ["call", "apiEvents", "events", "PutEvents", "10", "0.0"],
        *[["event", "apiEvents", "contact.event"] for _ in range(10)],  # each to the enroll queue
        ["call", "scheduler", "dynamodb", "Query", "1", "5.0"],
        ["invoke", "sender", "2000.0"],
        ["invoke", "apiEvents", "1000.0"],
        ["invoke", "scheduler", "100.0"],
    ]:
        totals.add(fields)
    return totals


def _usage(cost_model: ModuleType) -> Any:
    memory = {"sender": 1024, "apiEvents": 512, "scheduler": 512}
    return cost_model.Usage.of(_ten_emails(), memory, emails=10, queue_fed=QUEUE_FED)


def test_units_follow_the_price_table_rules(cost_model: ModuleType) -> None:
    # Given a ledger of ten emails' calls / When turned into usage
    usage = _usage(cost_model)
    units = usage.units
    # Then transactions count two units an item, SES and SSM are left out
    assert units["sender"]["dynamodb_write_unit"] == 6
    assert not [name for counts in units.values() for name in counts if "ses" in name or "ssm" in name]
    # And each published event costs an SQS request per queue its rules deliver it to, each batch a receive and
    # a delete (the sender's one invocation), and each API request an HTTP API request
    assert units["sender"]["sqs_request"] == 10 * 3 + 2
    assert units["apiEvents"]["sqs_request"] == 10 * 1
    assert units["apiEvents"]["http_api_request"] == 1
    assert units["sender"]["eventbridge_event"] == 10


def test_lambda_time_is_priced_as_measured_or_with_calls_answered_at_a_given_speed(cost_model: ModuleType) -> None:
    # Given the sender's 2 s invocation (1 GB), 100 ms of it waiting on four calls
    usage = _usage(cost_model)
    # Then as measured it is 2 GB-s, and with calls answered in 10 ms each it is 1.9 s + 40 ms
    assert usage.gb_seconds(["sender"]) == pytest.approx(2.0)
    assert usage.gb_seconds(["sender"], call_ms=10.0) == pytest.approx(1.94)


def test_prices_scale_to_a_million_emails_and_the_naive_design_pays_per_email(cost_model: ModuleType) -> None:
    # Given the published price table and the ten emails' usage
    prices = json.loads((BENCH / "aws_prices.json").read_text())
    usage = _usage(cost_model)
    # When priced
    ours, naive = cost_model.our_cost(usage, prices), cost_model.naive_cost(usage, prices)
    # Then 0.6 write units an email cost $0.375 per 1M emails, and the naive design pays a schedule per email
    assert ours["dynamodb_write_unit"] == (pytest.approx(0.6), pytest.approx(0.375))
    assert naive["scheduler_invocation"] == (pytest.approx(1.0), pytest.approx(1.0))
    # And it has no scheduler (its query is gone), an invocation per email, and 3 SQS requests per email in
    # place of our sender's batch receive and delete
    assert "dynamodb_read_unit" not in naive
    assert naive["lambda_request"][0] == pytest.approx((10 + 1) / 10)
    assert naive["sqs_request"][0] == pytest.approx((10 * 3 + 10 + 3 * 10) / 10)
    assert naive["lambda_gb_second"][0] == pytest.approx((2.0 + 0.5) / 10)


def test_the_routes_priced_are_the_rules_in_the_templates() -> None:
    # Given every EventBridge rule in infrastructure/ that sends to our queues
    delivered: dict[str, int] = {}
    for path in sorted((BENCH.parent / "infrastructure").glob("*.yml")):
        resources = yaml.load(path.read_text(), Loader=_AnyTagLoader).get("Resources", {})  # noqa: S506
        for resource in resources.values():
            if resource.get("Type") != "AWS::Events::Rule":
                continue
            pattern = resource["Properties"].get("EventPattern", {})
            for detail_type in pattern.get("detail-type", []):
                delivered[detail_type] = delivered.get(detail_type, 0) + len(resource["Properties"]["Targets"])
    # Then the cost model prices each detail type's deliveries as the rules make them
    spec = importlib.util.spec_from_file_location("cost_model_routes", BENCH / "cost_model.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert delivered == module.ROUTES


class _AnyTagLoader(yaml.SafeLoader):
    """CloudFormation short forms (!GetAtt, !Ref …) read as plain values: only the structure matters here."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
