"""The cost bench's pricing (bench/cost_model.py): counted calls and handler time turned into $ per 1M emails."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
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


def _ten_emails() -> LedgerTotals:
    totals = LedgerTotals()
    for fields in [
        ["call", "sender", "dynamodb", "TransactWriteItems", "3"],  # 3 items: 6 write units
        ["call", "sender", "sesv2", "SendEmail", "1"],  # SES: not priced here
        ["call", "sender", "ssm", "GetParameter", "1"],  # the local clock: not in AWS
        ["call", "apiEvents", "events", "PutEvents", "10"],  # 10 events, each delivered to the enroll queue
        ["invoke", "sender", "2000.0"],
        ["invoke", "apiEvents", "1000.0"],
    ]:
        totals.add(fields)
    return totals


def test_units_follow_the_price_table_rules(cost_model: ModuleType) -> None:
    # Given a ledger of ten emails' calls / When turned into usage
    usage = cost_model.Usage.of(_ten_emails(), {"sender": 1024, "apiEvents": 512}, emails=10)
    # Then transactions count two units an item, SES and SSM are left out, and AWS's own SQS requests are added
    assert usage.units["dynamodb_write_unit"] == 6
    assert usage.units["eventbridge_event"] == 10
    assert usage.units["sqs_request"] == 10 + 2  # ten rule deliveries, one receive + one delete for the batch
    assert usage.units["http_api_request"] == 1
    assert not [name for name in usage.units if "ses" in name or "ssm" in name]
    # And GB-seconds are the handler's time times its memory
    assert usage.gb_seconds == {"sender": pytest.approx(2.0), "apiEvents": pytest.approx(0.5)}


def test_prices_scale_to_a_million_emails_and_the_naive_design_pays_per_email(cost_model: ModuleType) -> None:
    # Given the published price table and the ten emails' usage
    prices = json.loads((BENCH / "aws_prices.json").read_text())
    usage = cost_model.Usage.of(_ten_emails(), {"sender": 1024, "apiEvents": 512}, emails=10)
    # When priced
    ours, naive = cost_model.our_cost(usage, prices), cost_model.naive_cost(usage, prices)
    # Then 0.6 write units an email cost $0.375 per 1M emails, and the naive design pays a schedule per email
    assert ours["dynamodb_write_unit"] == (pytest.approx(0.6), pytest.approx(0.375))
    assert naive["scheduler_invocation"] == (pytest.approx(1.0), pytest.approx(1.0))
    assert naive["sqs_request"][0] == pytest.approx(3.0 + usage.intake_sqs / 10)
