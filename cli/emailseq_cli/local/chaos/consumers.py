"""During a chaos run the emulator's two cores go to the engine: the consumers of the domain events (analytics,
webhooks, the live feed, the recommender) are paused, and their queues keep every event meanwhile.

On the emulator every Lambda invocation costs a worker round trip, and those consumers take events as they
trickle in (ministack does not wait for a batching window), two or three per invocation: at 25,000 emails they
would make three quarters of the run's invocations. Paused, they catch up afterwards in full batches of 100. What
the run checks, emails expected vs delivered under faults, is the engine's work; the consumers' own once-only
counting is tested in tests/integration (test_analytics, test_webhooks)."""

from typing import Any

from emailseq_cli.local.aws import local_client
from emailseq_cli.local.stack import StackInfo

ENGINE_QUEUES = ("SendQueueUrl", "EnrollQueueUrl")


def engine_queue_urls(info: StackInfo) -> list[str]:
    return [info.queues[key] for key in ENGINE_QUEUES]


def pause_side_consumers(info: StackInfo) -> list[str]:
    """Disable every queue-fed event source mapping but the engine's; returns the mappings paused."""
    lambdas, sqs = local_client("lambda", info.endpoint), local_client("sqs", info.endpoint)
    engine = {_arn(sqs, url) for url in engine_queue_urls(info)}
    paused = []
    for mapping in _mappings(lambdas):
        source, enabled = mapping["EventSourceArn"], mapping.get("State") != "Disabled"
        if enabled and source.startswith("arn:aws:sqs:") and source not in engine:
            lambdas.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
            paused.append(mapping["UUID"])
    return paused


def resume(info: StackInfo, paused: list[str]) -> None:
    lambdas = local_client("lambda", info.endpoint)
    for uuid in paused:
        lambdas.update_event_source_mapping(UUID=uuid, Enabled=True)


def _mappings(lambdas: Any) -> list[dict[str, Any]]:
    pages = lambdas.get_paginator("list_event_source_mappings").paginate()
    return [mapping for page in pages for mapping in page["EventSourceMappings"]]


def _arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
