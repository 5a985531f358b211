"""The chaos layer's decisions (pure): which invocation fails, where the fault strikes, and what the layer holds."""

import random
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from emailseq.settings import SenderSettings
from emailseq_cli.local.chaos import layer
from emailseq_cli.local.chaos.inject import faults
from emailseq_cli.local.chaos.inject.faults import Action, Armed, Call, Point
from emailseq_cli.local.chaos.inject.ledger import Ledger, read_ledger

DATA, ONCE = "data-table", "idempotency-table"
SEND = Call("sesv2", "SendEmail")
ADVANCE = Call("dynamodb", "UpdateItem", DATA)
ONCE_SAVE = Call("dynamodb", "UpdateItem", ONCE)
READ = Call("dynamodb", "GetItem", DATA)


def test_the_share_of_armed_invocations_is_the_rate() -> None:
    # Given 20,000 sender invocations at a 10% rate
    rng = random.Random(7)
    armed = [faults.arm("sender", 0.10, rng) for _ in range(20_000)]
    # When counted / Then about a tenth carry a fault, spread over every sender point
    carried = [a for a in armed if a is not None]
    assert 0.09 < len(carried) / 20_000 < 0.11
    assert {a.point for a in carried} == set(faults.POINTS["sender"])


def test_functions_outside_the_engine_are_never_armed() -> None:
    # Given the API's functions / When armed at rate 1 / Then none fails (they are only counted)
    assert faults.arm("apiEvents", 1.0, random.Random(1)) is None


def test_after_send_strikes_the_first_data_table_write_after_the_email_went_out() -> None:
    # Given an invocation armed with the after-send fault
    armed = Armed(Point.AFTER_SEND)
    # When a write comes before the send, then the send, then the guard's save, then the enrollment's advance
    before = faults.decide(armed, ADVANCE, DATA)
    at_send = faults.decide(armed, SEND, DATA)
    faults.note_sent(armed, SEND)
    at_once_save = faults.decide(armed, ONCE_SAVE, DATA)
    at_advance = faults.decide(armed, ADVANCE, DATA)
    # Then only the advance is refused: the email is out and its once-only record saved, the bookkeeping is not
    assert (before, at_send, at_once_save, at_advance) == (Action.NONE, Action.NONE, Action.NONE, Action.CRASH_BEFORE)


@pytest.mark.parametrize(
    ("point", "call", "action"),
    [
        (Point.BEFORE_SEND, SEND, Action.CRASH_BEFORE),
        (Point.PROVIDER, SEND, Action.PROVIDER_ERROR),
        (Point.WRITE_REFUSED, ADVANCE, Action.CRASH_BEFORE),
        (Point.WRITE_LOST_REPLY, ADVANCE, Action.CRASH_AFTER),
        (Point.QUEUE_SEND, Call("sqs", "SendMessageBatch"), Action.CRASH_BEFORE),
    ],
)
def test_each_point_strikes_its_call_once(point: Point, call: Call, action: Action) -> None:
    # Given an armed invocation that first reads (no fault there)
    armed = Armed(point)
    assert faults.decide(armed, READ, DATA) is Action.NONE
    # When its call comes twice / Then the fault strikes the first time only
    assert faults.decide(armed, call, DATA) is action
    assert faults.decide(armed, call, DATA) is Action.NONE
    assert armed.fired


def test_queue_sends_are_sometimes_made_twice_and_nothing_else_is() -> None:
    # Given a rate of 1 / When asked for a queue send and for a write / Then only the queue send is repeated
    rng = random.Random(3)
    assert faults.duplicates(Call("sqs", "SendMessageBatch"), 1.0, rng)
    assert not faults.duplicates(ADVANCE, 1.0, rng)


def test_the_negative_control_drops_the_guard_condition_and_keeps_the_item() -> None:
    # Given Powertools' conditional PutItem of an idempotency record
    params = {
        "TableName": ONCE,
        "Item": {"id": {"S": "k"}},
        "ConditionExpression": "attribute_not_exists(#id)",
        "ExpressionAttributeNames": {"#id": "id"},
        "ExpressionAttributeValues": {":now": {"N": "1"}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    # When stripped / Then an unconditional put of the same item remains
    assert faults.strip_once_guard(params) == {"TableName": ONCE, "Item": {"id": {"S": "k"}}}


def test_the_ledger_counts_calls_and_faults_per_function(tmp_path: Path) -> None:
    # Given two workers' ledgers, one with a line cut short by a kill
    sender, enroller = Ledger(str(tmp_path), "sender"), Ledger(str(tmp_path), "enroller")
    sender.call("sesv2", "SendEmail")
    sender.call("sesv2", "SendEmail")
    sender.fault("after-send", fired=True)
    enroller.call("sqs", "SendMessageBatch")
    (tmp_path / "sender-0.log").write_text("call\tsender\tsesv2")
    # When read back / Then each call and fault is counted once, the cut line ignored
    totals = read_ledger(tmp_path)
    assert totals.calls == {("sender", "sesv2", "SendEmail"): 2, ("enroller", "sqs", "SendMessageBatch"): 1}
    assert totals.faults == {("sender", "after-send", "fired"): 1}


def test_the_ledger_keeps_the_time_spent_waiting_on_aws_and_the_events_published(tmp_path: Path) -> None:
    # Given a sender that waited 12.5 ms and 30 ms for two answers and published two events, and a line written
    # before calls were timed
    sender = Ledger(str(tmp_path), "sender")
    sender.call("dynamodb", "GetItem", milliseconds=12.5)
    sender.call("events", "PutEvents", items=2, milliseconds=30.0)
    sender.published("EmailSent")
    sender.published("EmailSent")
    (tmp_path / "enroller-1.log").write_text("call\tenroller\tsqs\tSendMessageBatch\t3\n")
    # When read back
    totals = read_ledger(tmp_path)
    # Then the waiting is summed per function (none known for the old line), and events counted by detail type
    assert totals.waiting == {"sender": 42, "enroller": 0}
    assert totals.published == {("sender", "EmailSent"): 2}
    assert totals.items[("enroller", "sqs", "SendMessageBatch")] == 3


def test_the_layer_holds_the_hook_and_the_pth_line_that_installs_it() -> None:
    # Given the layer as published into the emulator
    names = zipfile.ZipFile(BytesIO(layer.layer_zip())).namelist()
    # Then the hook sits in a site directory the worker processes, with the .pth that loads it
    assert f"{layer.SITE}/emailseq_chaos.pth" in names
    assert f"{layer.SITE}/{layer.PACKAGE}/hook.py" in names


def test_the_functions_handler_module_is_named_as_the_emulator_imports_it(tmp_path: Path) -> None:
    # Given the sender's handler string / When the chaos variables are made / Then its module is dotted
    variables = layer.ChaosSettings("faults", tmp_path, 0.1).variables("sender", "functions/sender/handler.handler")
    assert variables["EMAILSEQ_CHAOS_HANDLER_MODULE"] == "functions.sender.handler"
    assert variables["EMAILSEQ_CHAOS"] == "faults"


def test_a_fault_run_shortens_the_senders_provider_backoff_and_a_counting_run_does_not(tmp_path: Path) -> None:
    # Given the variables a fault run and a counting run (the cost bench) put on the sender and the enroller
    faults = layer.ChaosSettings("faults", tmp_path, 0.1).variables("sender", "functions/sender/handler.handler")
    counting = layer.ChaosSettings("count", tmp_path).variables("sender", "functions/sender/handler.handler")
    enroller = layer.ChaosSettings("faults", tmp_path, 0.1).variables("enroller", "functions/enroller/handler.handler")
    # Then only the fault run's sender waits 8 s (not 30 s) after an injected provider refusal
    assert faults["EMAILSEQ_PROVIDER_RETRY_BASE_SECONDS"] == "8"
    assert "EMAILSEQ_PROVIDER_RETRY_BASE_SECONDS" not in counting
    assert "EMAILSEQ_PROVIDER_RETRY_BASE_SECONDS" not in enroller


def test_the_sender_reads_its_provider_backoff_from_the_environment_and_defaults_to_30_seconds(monkeypatch) -> None:
    for name in ("TABLE_NAME", "DATA_KEY_ID", "IDEMPOTENCY_TABLE_NAME", "SIGNING_SECRET_ID", "PUBLIC_URL", "BUS_NAME"):
        monkeypatch.setenv(f"EMAILSEQ_{name}", "x")
    monkeypatch.setenv("EMAILSEQ_FROM_ADDRESS", "news@example.com")
    assert SenderSettings().provider_retry_base_seconds == 30
    monkeypatch.setenv("EMAILSEQ_PROVIDER_RETRY_BASE_SECONDS", "8")
    assert SenderSettings().provider_retry_base_seconds == 8
