"""The metrics the alarms watch: SendErrorRate per step order, and what a flushed invocation writes (EMF)."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from emailseq.domain.errors import ProviderTemporaryError, SendThrottled
from emailseq.observability import SEND_ERROR_RATE, count, counted_send, metrics, observed


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


def _error_rate_samples() -> list[float]:
    return list(metrics.metric_set.get(SEND_ERROR_RATE, {}).get("Value", []))


def test_a_handled_order_counts_0_and_a_failed_one_100_so_the_average_is_the_error_rate_in_percent() -> None:
    # Given three orders handled and one that fails at the provider
    for _ in range(3):
        with counted_send():
            pass
    with pytest.raises(ProviderTemporaryError), counted_send():
        raise ProviderTemporaryError("busy")
    # Then the samples average to 25 %
    samples = _error_rate_samples()
    assert samples == [0.0, 0.0, 0.0, 100.0]
    assert sum(samples) / len(samples) == 25.0


def test_a_send_held_back_by_the_rate_limit_is_neither_an_error_nor_a_success() -> None:
    with pytest.raises(SendThrottled), counted_send():
        raise SendThrottled(1.5)
    assert _error_rate_samples() == []


def test_an_observed_handler_flushes_its_metrics_as_emf_with_the_correlation_id_in_its_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a handler that counts something, observed with the API request id as correlation id
    logger = Logger(service="test")

    @observed(logger, "requestContext.requestId")
    def handler(event: dict[str, Any], context: Any) -> str:
        count("SendsQueued", 3)
        logger.info("done")
        return "ok"

    # When it is invoked
    assert handler({"requestContext": {"requestId": "req-42"}}, _Context()) == "ok"
    # Then the log line carries the correlation id, and one EMF document holds the metric in namespace emailseq
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (log,) = [line for line in lines if line.get("message") == "done"]
    assert log["correlation_id"] == "req-42"
    (emf,) = [line for line in lines if "SendsQueued" in line]
    assert emf["SendsQueued"] in (3.0, [3.0])
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "emailseq"
    assert emf["service"] == "emailseq"


class _Context:
    function_name = "test-fn"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test-fn"
    aws_request_id = "aws-req-1"
