"""Logs and metrics, set up one way in every function (docs/observability.md).

Logs: Powertools Logger (JSON, the Lambda context on every line) with a correlation id taken from the event: the
API Gateway request id, the EventBridge event id; queue workers set each record's own (the contact event's id,
else the SQS message id). Metrics: Powertools Metrics as CloudWatch EMF on stdout (no API call on the send path),
namespace from POWERTOOLS_METRICS_NAMESPACE, flushed after every invocation, with a ColdStart metric.

No Powertools Tracer: Tracer() imports the X-Ray SDK, which the layer does not ship and which adds ~900 ms to a
cold start (FACTS.md; bench/cold_start.py prints it when the SDK is installed).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from emailseq.domain.errors import SendThrottled

API_REQUEST = correlation_paths.API_GATEWAY_HTTP  # HTTP API routes and the authorizer (payload 2.0)
EVENTBRIDGE_EVENT = correlation_paths.EVENT_BRIDGE  # scheduled events
SNS_MESSAGE = "Records[0].Sns.MessageId"  # SES feedback arrives one notification per invocation

# The send-error alarm (infrastructure/observability.yml) watches this metric's Average: 100 for a step order
# that failed, 0 for one handled; an average over five minutes is the error rate in percent, no metric math.
SEND_ERROR_RATE = "SendErrorRate"

metrics = Metrics(namespace="emailseq", service="emailseq")  # as serverless.yml sets POWERTOOLS_*
Handler = TypeVar("Handler", bound=Callable[..., Any])


def observed(logger: Logger, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """The handler decorator every function uses: context and correlation id in the logs, metrics flushed."""

    def decorate(handler: Handler) -> Handler:
        flushed = metrics.log_metrics(handler, capture_cold_start_metric=True)
        return cast(Handler, logger.inject_lambda_context(flushed, correlation_id_path=correlation_id_path))

    return decorate


@contextmanager
def counted_send() -> Iterator[None]:
    """Around one step order: an error counts 100 in SendErrorRate, a success 0; a send held back by the rate
    limit (SendThrottled) counts neither, it is retried and not a failure."""
    try:
        yield
    except SendThrottled:
        raise
    except Exception:
        metrics.add_metric(name=SEND_ERROR_RATE, unit=MetricUnit.Percent, value=100)
        raise
    metrics.add_metric(name=SEND_ERROR_RATE, unit=MetricUnit.Percent, value=0)


def count(name: str, value: int = 1) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
